// Typed reads of a node's attributes, each checked against the type ONNX gives it, so a file
// with a wrong attribute type fails at load with the node and attribute named.
import { OnnxError } from "../../errors.js";
import { AttributeType, type AttributeProto, type NodeProto, type TensorProto } from "./proto.js";

const TYPE_NAMES = Object.fromEntries(Object.entries(AttributeType).map(([k, v]) => [v, k]));

/** The attribute's declared type, or (old files leave it out) the one its filled field implies. */
function typeOf(a: AttributeProto): number {
  if (a.type) return a.type;
  if (a.t) return AttributeType.TENSOR;
  if (a.s) return AttributeType.STRING;
  if (a.i !== undefined) return AttributeType.INT;
  if (a.f !== undefined) return AttributeType.FLOAT;
  if (a.ints.length) return AttributeType.INTS;
  if (a.floats.length) return AttributeType.FLOATS;
  if (a.strings.length) return AttributeType.STRINGS;
  if (a.tensors.length) return AttributeType.TENSORS;
  return AttributeType.UNDEFINED;
}

export class NodeAttrs {
  readonly #byName = new Map<string, AttributeProto>();

  constructor(node: NodeProto, readonly where: string) {
    for (const a of node.attribute) {
      if (!a.name) throw new OnnxError(`${where}: an attribute has no name`);
      if (a.refAttrName) throw new OnnxError(`${where}: attribute "${a.name}" refers to a function attribute (${a.refAttrName}); functions are not supported`);
      if (this.#byName.has(a.name)) throw new OnnxError(`${where}: attribute "${a.name}" is given twice`);
      this.#byName.set(a.name, a);
    }
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }

  #get(name: string, type: number): AttributeProto | undefined {
    const a = this.#byName.get(name);
    if (a === undefined) return undefined;
    const t = typeOf(a);
    if (t !== type) throw new OnnxError(`${this.where}: attribute "${name}" should be ${TYPE_NAMES[type]} but is ${TYPE_NAMES[t] ?? `type ${t}`}`);
    return a;
  }

  int(name: string, def: number): number {
    return this.#get(name, AttributeType.INT)?.i ?? def;
  }

  float(name: string, def: number): number {
    return this.#get(name, AttributeType.FLOAT)?.f ?? def;
  }

  ints(name: string): number[] | undefined {
    return this.#get(name, AttributeType.INTS)?.ints;
  }

  floats(name: string): number[] | undefined {
    return this.#get(name, AttributeType.FLOATS)?.floats;
  }

  string(name: string, def: string): string {
    const s = this.#get(name, AttributeType.STRING)?.s;
    if (s === undefined) return def;
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(s);
    } catch {
      throw new OnnxError(`${this.where}: attribute "${name}" is not valid UTF-8`);
    }
  }

  tensor(name: string): TensorProto | undefined {
    return this.#get(name, AttributeType.TENSOR)?.t;
  }

  /** An ints attribute of exactly n values (or the default). */
  intsOf(name: string, n: number, def: number[]): number[] {
    const v = this.ints(name);
    if (v === undefined) return def;
    if (v.length !== n) throw new OnnxError(`${this.where}: attribute "${name}" should have ${n} values, got [${v.join(", ")}]`);
    return v;
  }

  /** One of the given strings. */
  choice<T extends string>(name: string, options: readonly T[], def: T): T {
    const v = this.string(name, def);
    if (!options.includes(v as T)) throw new OnnxError(`${this.where}: attribute ${name}="${v}" is not supported (supported: ${options.join(", ")})`);
    return v as T;
  }

  /** Fails for an attribute value Kindling does not implement. */
  expect(name: string, ok: boolean, what: string): void {
    if (!ok) throw new OnnxError(`${this.where}: ${what} is not supported (attribute "${name}")`);
  }
}
