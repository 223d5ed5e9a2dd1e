// An RFC 4180 CSV parser: fields separated by a delimiter, records by CRLF, LF or CR; a field in
// double quotes may hold delimiters, line breaks and doubled quotes (""). As Python's csv module
// (strict=True) reads it, with two differences: blank lines are skipped (Python gives []), and a
// leading byte-order mark is dropped. A quote inside an unquoted field is kept as a character
// (as Python does); text after a closing quote, or a quote never closed, is a kd.DatasetError
// naming the line.
//
//   kd.data.parseCSV('a,b\r\n1,"x, ""y"""\r\n')   // [["a", "b"], ["1", 'x, "y"']]
import { DatasetError, ValueError } from "../errors.js";
import { checkOptions } from "../options.js";

export interface CSVParseOptions {
  /** The field separator, one character (default ","; "\t" for TSV, ";" ...). */
  delimiter?: string;
  /** The quote character (default '"'). */
  quote?: string;
}

/** A record and the 1-based line of the file where it starts (for messages). */
export interface CSVRecord {
  fields: string[];
  line: number;
}

function oneChar(where: string, name: string, v: string): string {
  if (typeof v !== "string" || v.length !== 1 || v === "\n" || v === "\r") throw new ValueError(`${where}: ${name} must be one character other than a line break, got ${JSON.stringify(v)}`);
  return v;
}

/** The records of a CSV text with the line each starts on. */
export function parseCSVRecords(text: string, opts: CSVParseOptions = {}, where = "parseCSV"): CSVRecord[] {
  checkOptions(where, opts, ["delimiter", "quote"]);
  if (typeof text !== "string") throw new ValueError(`${where}: expected the CSV text as a string, got ${typeof text}`);
  const delim = oneChar(where, "delimiter", opts.delimiter ?? ",");
  const quote = oneChar(where, "quote", opts.quote ?? '"');
  if (delim === quote) throw new ValueError(`${where}: the delimiter and the quote must differ`);
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const n = s.length;
  const records: CSVRecord[] = [];
  let i = 0;
  let line = 1;
  const eol = (c: string | undefined) => c === "\n" || c === "\r";
  while (i < n) {
    if (eol(s[i])) {
      // a blank line
      i += s[i] === "\r" && s[i + 1] === "\n" ? 2 : 1;
      line++;
      continue;
    }
    const start = line;
    const fields: string[] = [];
    for (;;) {
      if (s[i] === quote) {
        const opened = line;
        let value = "";
        let from = ++i;
        for (;;) {
          if (i >= n) throw new DatasetError(`line ${opened}: unterminated quoted field (field ${fields.length + 1} opens a quote that is never closed)`);
          const c = s[i];
          if (c === quote) {
            value += s.slice(from, i);
            if (s[i + 1] === quote) {
              value += quote;
              i += 2;
              from = i;
              continue;
            }
            i++;
            break;
          }
          if (c === "\n" || (c === "\r" && s[i + 1] !== "\n")) line++;
          i++;
        }
        if (i < n && s[i] !== delim && !eol(s[i])) {
          throw new DatasetError(`line ${line}: unexpected ${JSON.stringify(s[i])} after the closing quote of field ${fields.length + 1} (a quote inside a quoted field is written "")`);
        }
        fields.push(value);
      } else {
        let j = i;
        while (j < n && s[j] !== delim && !eol(s[j])) j++;
        fields.push(s.slice(i, j));
        i = j;
      }
      if (i < n && s[i] === delim) {
        i++;
        continue;
      }
      break;
    }
    if (s[i] === "\r") i++;
    if (s[i] === "\n") i++;
    line++;
    records.push({ fields, line: start });
  }
  return records;
}

/** The records of a CSV text as arrays of strings (header included). */
export function parseCSV(text: string, opts: CSVParseOptions = {}): string[][] {
  return parseCSVRecords(text, opts).map((r) => r.fields);
}
