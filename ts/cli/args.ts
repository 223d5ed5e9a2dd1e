// The command-line parser the `kindling` subcommands share: --flag value, --flag=value, boolean
// --flag, positionals. An unknown flag, a missing or malformed value, or a value outside its
// choices is a kd.ValueError naming the flag and what was expected ("did you mean --epochs?").
import { ValueError } from "../errors.js";
import { suggest } from "../options.js";

export interface FlagSpec {
  type: "string" | "number" | "int" | "boolean";
  /** Value when the flag is absent (none: absent flags are left out of the result). */
  default?: string | number | boolean;
  /** The only values accepted (strings). */
  choices?: readonly string[];
  /** Lower bound for numbers (inclusive), e.g. 1 for counts, 0 for rates. */
  min?: number;
  /** One line for --help. */
  help: string;
}

export interface CommandSpec {
  name: string;
  /** e.g. "<image...>"; empty when the command takes none. */
  positionals?: { name: string; min: number; max?: number };
  flags: Record<string, FlagSpec>;
  summary: string;
}

export type Parsed = { flags: Record<string, string | number | boolean>; positionals: string[]; help: boolean };

/** The --help text of a command. */
export function usage(spec: CommandSpec): string {
  const pos = spec.positionals ? ` ${spec.positionals.name}` : "";
  const lines = [`usage: kindling ${spec.name}${pos} [flags]`, "", spec.summary, "", "flags:"];
  const w = Math.max(...Object.keys(spec.flags).map((k) => k.length)) + 10;
  for (const [k, f] of Object.entries(spec.flags)) {
    const arg = f.type === "boolean" ? "" : f.choices ? ` ${f.choices.join("|")}` : ` <${f.type === "string" ? "value" : "n"}>`;
    const def = f.default !== undefined ? ` (default ${f.default})` : "";
    lines.push(`  ${`--${k}${f.choices ? "" : arg}`.padEnd(w)} ${f.help}${f.choices ? `: ${f.choices.join(", ")}` : ""}${def}`);
  }
  return lines.join("\n") + "\n";
}

function value(cmd: string, key: string, f: FlagSpec, raw: string): string | number | boolean {
  const where = `--${key}`;
  if (f.type === "boolean") {
    if (raw === "true" || raw === "false") return raw === "true";
    throw new ValueError(`${where} takes no value or true/false, got "${raw}"`);
  }
  if (f.type === "string") {
    if (f.choices && !f.choices.includes(raw)) {
      const s = suggest(raw, f.choices);
      throw new ValueError(`${where} must be one of ${f.choices.join(", ")}, got "${raw}"${s ? ` (did you mean ${s}?)` : ""}`);
    }
    return raw;
  }
  const n = raw.trim() === "" ? NaN : Number(raw);
  if (!Number.isFinite(n) || (f.type === "int" && !Number.isInteger(n))) throw new ValueError(`${where} expects ${f.type === "int" ? "an integer" : "a number"}, got "${raw}"`);
  if (f.min !== undefined && n < f.min) throw new ValueError(`${where} must be >= ${f.min}, got ${n}`);
  return n;
}

/** Parses argv (the arguments after the command name) against `spec`. */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): Parsed {
  const flags: Record<string, string | number | boolean> = {};
  const positionals: string[] = [];
  let help = false;
  const names = Object.keys(spec.flags);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") { help = true; continue; }
    if (a === "--") { positionals.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith("-") || a === "-" || /^-\d/.test(a)) { positionals.push(a); continue; }
    const body = a.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const key = eq >= 0 ? body.slice(0, eq) : body;
    const f = spec.flags[key];
    if (!f) {
      const s = suggest(key, names);
      throw new ValueError(`unknown flag --${key}${s ? ` (did you mean --${s}?)` : ""}; run kindling ${spec.name} --help for the flags`);
    }
    if (key in flags) throw new ValueError(`--${key} given twice`);
    let raw: string;
    if (eq >= 0) raw = body.slice(eq + 1);
    else if (f.type === "boolean") raw = argv[i + 1] === "true" || argv[i + 1] === "false" ? argv[++i] : "true";
    else {
      if (i + 1 >= argv.length || (argv[i + 1].startsWith("--") && argv[i + 1].length > 2)) throw new ValueError(`--${key} needs a value (${f.choices ? f.choices.join("|") : f.type})`);
      raw = argv[++i];
    }
    flags[key] = value(spec.name, key, f, raw);
  }
  for (const [k, f] of Object.entries(spec.flags)) if (!(k in flags) && f.default !== undefined) flags[k] = f.default;
  if (!help && spec.positionals) {
    const { name, min, max } = spec.positionals;
    if (positionals.length < min) throw new ValueError(`expected ${name}${min > 1 ? ` (at least ${min})` : ""}; run kindling ${spec.name} --help`);
    if (max !== undefined && positionals.length > max) throw new ValueError(`unexpected argument "${positionals[max]}"`);
  } else if (!help && positionals.length) throw new ValueError(`unexpected argument "${positionals[0]}" (this command takes flags only)`);
  return { flags, positionals, help };
}
