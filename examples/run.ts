// Runs one example's main() with command-line flags (--epochs 100 --out out/) and prints its summary.
const [file, ...args] = process.argv.slice(2);
const opts: Record<string, string> = {};
for (let i = 0; i < args.length; i++) {
  if (args[i].startsWith("--")) opts[args[i].slice(2)] = args[i + 1]?.startsWith("--") || args[i + 1] === undefined ? "true" : args[++i];
}
const mod = await import(new URL(`./${file}`, import.meta.url).href);
const summary = await mod.main(opts);
console.log(JSON.stringify(summary, null, 2));
