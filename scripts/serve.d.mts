// Types for scripts/serve.mjs (a plain Node script, imported by the browser tests).
import type { Server } from "node:http";

export const FASHION_MNIST_DIR: string;
export function mimeType(file: string): string;
export function resolvePath(urlPath: string, root: string, mounts: Record<string, string>): string | null;
export interface ServerOptions {
  /** Folder served at / (default: the current directory). */
  root?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** URL prefix -> folder, beside the default /data/fashion-mnist/. */
  mounts?: Record<string, string>;
  /** Log each request to stdout. */
  log?: boolean;
  /** Send COOP/COEP (default true): false serves a page that is not cross-origin isolated. */
  isolated?: boolean;
}
export function startServer(opts?: ServerOptions): Promise<{ url: string; port: number; server: Server; close(): Promise<void> }>;
