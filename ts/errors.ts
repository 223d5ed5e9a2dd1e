// Typed errors. The engine reports a kind code with each failure; each maps to one class,
// so callers can `catch (e) { if (e instanceof kd.ShapeError) ... }`.

export class KindlingError extends Error {
  override name = "KindlingError";
}
/** Sizes that do not fit together (broadcasting, matmul, view, cat...). */
export class ShapeError extends KindlingError { override name = "ShapeError"; }
/** A dim or an index out of range. */
export class IndexError extends KindlingError { override name = "IndexError"; }
/** A dtype an op does not accept. */
export class DTypeError extends KindlingError { override name = "DTypeError"; }
/** A bad argument value. */
export class ValueError extends KindlingError { override name = "ValueError"; }
/** A dataset file that is missing, truncated, corrupt or inconsistent (names the file and what is wrong). */
export class DatasetError extends ValueError { override name = "DatasetError"; }
/** An ONNX file that is corrupt, or uses ops or features Kindling cannot import or export (names them all). */
export class OnnxError extends ValueError { override name = "OnnxError"; }
/** Tensors on different devices, or a sync read of a device that only reads async. */
export class DeviceError extends KindlingError { override name = "DeviceError"; }
/** An allocation the engine refused or could not make. */
export class MemoryError extends KindlingError { override name = "MemoryError"; }
/** Use of a tensor after dispose(). */
export class DisposedError extends KindlingError { override name = "DisposedError"; }
/** Autograd misuse. */
export class AutogradError extends KindlingError { override name = "AutogradError"; }
/** A kd.worker that died (terminated, crashed, out of memory) or was used after terminate(). */
export class WorkerError extends KindlingError { override name = "WorkerError"; }

/** Engine error kinds (crates/engine/src/error.rs ErrorKind) to classes. */
export const ERROR_CLASSES: Record<number, new (msg: string) => KindlingError> = {
  1: ShapeError,
  2: IndexError,
  3: DTypeError,
  4: ValueError,
  5: DeviceError,
  6: MemoryError,
  7: DisposedError,
  8: AutogradError,
};
