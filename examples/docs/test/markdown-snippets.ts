/**
 * Code blocks of the Markdown docs, as the docs test runs them: every ```ts
 * (and ```js) block is a program, unless the line before it is a
 * `<!-- not-run: reason -->` comment (a fragment of a larger program). An
 * `<!-- output: ... -->` comment right after a block states what the program
 * prints; the test compares it.
 */
import { readFileSync } from "node:fs";

/** One code block of a Markdown file. */
export interface Snippet {
  /** The Markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: "ts" | "js";
  code: string;
  /** Why the block is not run, or null when it is. */
  notRun: string | null;
  /** The expected standard output, trimmed, or null when not stated. */
  output: string | null;
}

const FENCE = /^```(\w*)\s*$/;
const NOT_RUN = /^<!--\s*not-run:\s*(.*?)\s*-->$/;
const OUTPUT_START = /^<!--\s*output:(.*)$/;

/** The code blocks of one Markdown text (`file` only labels them). */
export function extractSnippets(file: string, markdown: string): Snippet[] {
  const lines = markdown.split("\n");
  const snippets: Snippet[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = FENCE.exec(lines[index]!);
    if (!open) continue;
    const end = lines.findIndex((text, at) => at > index && text.startsWith("```"));
    if (end === -1) throw new Error(`${file}:${index + 1}: code block never closed`);
    const lang = open[1];
    if (lang === "ts" || lang === "js") {
      snippets.push({
        file,
        line: index + 1,
        lang,
        code: lines.slice(index + 1, end).join("\n") + "\n",
        notRun: notRunReason(lines, index),
        output: expectedOutput(file, lines, end),
      });
    }
    index = end;
  }
  return snippets;
}

/** Reads a Markdown file and extracts its code blocks. */
export function readSnippets(root: string, file: string): Snippet[] {
  return extractSnippets(file, readFileSync(`${root}/${file}`, "utf8"));
}

function notRunReason(lines: string[], fence: number): string | null {
  let at = fence - 1;
  while (at >= 0 && lines[at]!.trim() === "") at--;
  const match = at >= 0 ? NOT_RUN.exec(lines[at]!.trim()) : null;
  return match ? match[1]! : null;
}

function expectedOutput(file: string, lines: string[], close: number): string | null {
  let at = close + 1;
  while (at < lines.length && lines[at]!.trim() === "") at++;
  const start = at < lines.length ? OUTPUT_START.exec(lines[at]!.trim()) : null;
  if (!start) return null;
  const body: string[] = [];
  let rest = start[1]!;
  for (;;) {
    const endAt = rest.indexOf("-->");
    if (endAt !== -1) {
      body.push(rest.slice(0, endAt));
      break;
    }
    body.push(rest);
    at++;
    if (at >= lines.length) throw new Error(`${file}:${close + 2}: output comment never closed`);
    rest = lines[at]!;
  }
  return body.join("\n").trim();
}
