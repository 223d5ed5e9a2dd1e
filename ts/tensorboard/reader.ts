// Reading event files back: records (CRC-checked) -> Event messages -> per-run scalars, images,
// text, histograms and hparams, for `kindling report`. File-system free: callers pass the files.
import { decode } from "../io/onnx/protobuf.js";
import { readRecords } from "./record.js";
import * as P from "./proto.js";
import type { HParamValue } from "./writer.js";

export interface ScalarPoint { step: number; value: number; wallTime: number }

export interface RunData {
  name: string;
  /** tag -> series -> points; the series is "" for the run's own file, the subfolder for addScalars' files. */
  scalars: Record<string, Record<string, ScalarPoint[]>>;
  images: { tag: string; step: number; png: Uint8Array; width: number; height: number }[];
  texts: { tag: string; step: number; text: string }[];
  histograms: { tag: string; step: number; min: number; max: number; num: number }[];
  hparams: Record<string, HParamValue>;
  /** The metrics given to addHparams. */
  metrics: Record<string, number>;
}

type Msg = Record<string, unknown>;

/** The Event messages of one event file (a torn last record is dropped, as a reader of a live file should). */
export function decodeEvents(bytes: Uint8Array): Msg[] {
  return readRecords(bytes, { allowTruncatedTail: true }).map((r) => decode(r, P.Event));
}

const text = new TextDecoder();

/**
 * Gathers one run from its event files, given as [path relative to the run folder, bytes]:
 * files directly in the folder are the run's own, files in subfolders are addScalars series or
 * addHparams sessions.
 */
export function collectRun(name: string, files: [string, Uint8Array][]): RunData {
  const run: RunData = { name, scalars: {}, images: [], texts: [], histograms: [], hparams: {}, metrics: {} };
  for (const [rel, bytes] of files) {
    const sub = rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : "";
    const events = decodeEvents(bytes);
    const isHparams = events.some((e) => ((e.summary as Msg | undefined)?.value as Msg[] | undefined)?.some((v) => String(v.tag).startsWith("_hparams_/")));
    for (const e of events) {
      const step = (e.step as number | undefined) ?? 0;
      const wallTime = (e.wall_time as number | undefined) ?? 0;
      for (const v of ((e.summary as Msg | undefined)?.value as Msg[] | undefined) ?? []) {
        const tag = v.tag as string;
        const plugin = ((v.metadata as Msg | undefined)?.plugin_data as Msg | undefined);
        if (plugin?.plugin_name === "hparams") {
          const data = decode(plugin.content as Uint8Array, P.HParamsPluginData);
          for (const h of ((data.session_start_info as Msg | undefined)?.hparams as Msg[] | undefined) ?? []) {
            const pv = h.value as Msg;
            run.hparams[h.key as string] = pv.number_value !== undefined ? (pv.number_value as number) : pv.string_value !== undefined ? (pv.string_value as string) : pv.bool_value === 1;
          }
        } else if (v.simple_value !== undefined) {
          if (isHparams) run.metrics[tag] = v.simple_value as number;
          else ((run.scalars[tag] ??= {})[sub] ??= []).push({ step, value: v.simple_value as number, wallTime });
        } else if (v.image) {
          const im = v.image as Msg;
          run.images.push({ tag, step, png: im.encoded_image_string as Uint8Array, width: im.width as number, height: im.height as number });
        } else if (v.histo) {
          const h = v.histo as Msg;
          run.histograms.push({ tag, step, min: h.min as number, max: h.max as number, num: h.num as number });
        } else if (plugin?.plugin_name === "text" && v.tensor) {
          const s = ((v.tensor as Msg).string_val as Uint8Array[])[0];
          run.texts.push({ tag: tag.replace(/\/text_summary$/, ""), step, text: s ? text.decode(s) : "" });
        }
      }
    }
  }
  for (const series of Object.values(run.scalars)) for (const pts of Object.values(series)) pts.sort((a, b) => a.step - b.step || a.wallTime - b.wallTime);
  return run;
}
