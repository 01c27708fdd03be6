// A small, safe Markdown renderer for chat replies.
//
// Safety model: the whole source is HTML-escaped *first*; every rule below then works on
// escaped text and only ever adds tags of its own. Nothing from the source can become markup,
// so `<script>` or `<img onerror=…>` always shows as literal text. Links are the one place
// where source text lands in an attribute: they are limited to http(s) URLs, and the URL is
// already escaped (quotes included), so it cannot break out of the attribute.
//
// Streaming: the renderer is called again on the whole text after every chunk, so it must
// accept any prefix of a document. An unclosed ``` fence renders as an open code block
// (marked `data-open`), half-typed emphasis simply stays literal until it is closed.
//
// Supported: fenced code blocks (language label + copy button), inline code, **bold**,
// *italic*, ~~strike~~, ATX headings, ordered/unordered (nested) lists, block quotes,
// horizontal rules, simple pipe tables, [links](https://…), bare https:// URLs, paragraphs
// with single newlines kept as line breaks (chat replies rely on them).

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escape text for use in HTML content or a double-quoted attribute. */
export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}

// Placeholders for inline code and links while the emphasis rules run. The private-use
// sentinels are stripped from the input first, so the source can never forge one.
const PH_OPEN = "\uE000";
const PH_CLOSE = "\uE001";
const PH_RE = /\uE000(\d+)\uE001/g;

const FENCE_RE = /^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)[^`]*$/;
const HEADING_RE = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const HR_RE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE_RE = /^ {0,3}&gt; ?(.*)$/; // `>` is already escaped at this point
const LIST_RE = /^( *)([-*+]|\d{1,9}[.)])[ \t]+(.*)$/;
const EMPTY_ITEM_RE = /^( *)([-*+]|\d{1,9}[.)])[ \t]*$/;
const TABLE_SEP_RE = /^ *\|? *:?-+:? *(\| *:?-+:? *)*\|? *$/;

/**
 * Render Markdown source to an HTML string (safe to assign to innerHTML).
 * @param {string} source
 * @returns {string}
 */
export function renderMarkdown(source) {
  const clean = String(source ?? "")
    .replace(/\r\n?/g, "\n")
    .replace(/[\uE000\uE001]/g, "\uFFFD");
  return renderBlocks(escapeHtml(clean).split("\n"));
}

/** Render escaped lines as a sequence of block elements. */
function renderBlocks(lines) {
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];

    if (line.trim() === "") {
      i += 1;
      continue;
    }

    const fence = FENCE_RE.exec(line);
    if (fence) {
      const marker = fence[1];
      const body = [];
      let closed = false;
      i += 1;
      while (i < lines.length) {
        const inner = lines[i];
        const trimmed = inner.trim();
        // A closing fence uses the same character, at least as many, and nothing after it.
        if (trimmed.startsWith(marker[0].repeat(marker.length)) && /^(`+|~+)$/.test(trimmed)) {
          closed = true;
          i += 1;
          break;
        }
        body.push(inner);
        i += 1;
      }
      out.push(codeBlock(body.join("\n"), fence[2], !closed));
      continue;
    }

    const heading = HEADING_RE.exec(line);
    if (heading) {
      const level = heading[1].length;
      out.push(`<h${level}>${renderInline(heading[2] ?? "")}</h${level}>`);
      i += 1;
      continue;
    }

    if (HR_RE.test(line)) {
      out.push("<hr>");
      i += 1;
      continue;
    }

    if (QUOTE_RE.test(line)) {
      const inner = [];
      // Lazy continuation: a non-blank line right after a quoted line stays in the quote.
      while (i < lines.length && lines[i].trim() !== "") {
        const m = QUOTE_RE.exec(lines[i]);
        inner.push(m ? m[1] : lines[i]);
        i += 1;
      }
      out.push(`<blockquote>${renderBlocks(inner)}</blockquote>`);
      continue;
    }

    if (LIST_RE.test(line)) {
      i = renderList(lines, i, out);
      continue;
    }

    if (line.includes("|") && i + 1 < lines.length && TABLE_SEP_RE.test(lines[i + 1])) {
      i = renderTable(lines, i, out);
      continue;
    }

    // Paragraph: runs until a blank line or the start of another block.
    const para = [];
    while (i < lines.length && lines[i].trim() !== "" && (para.length === 0 || !startsBlock(lines, i))) {
      para.push(lines[i].trim());
      i += 1;
    }
    out.push(`<p>${para.map(renderInline).join("<br>")}</p>`);
  }
  return out.join("");
}

/** Whether line i starts a block that interrupts a paragraph. */
function startsBlock(lines, i) {
  const line = lines[i];
  if (FENCE_RE.test(line) || HEADING_RE.test(line) || HR_RE.test(line) || QUOTE_RE.test(line)) {
    return true;
  }
  const item = LIST_RE.exec(line);
  // Like CommonMark, only `1.` starts an ordered list inside a paragraph, so a sentence
  // such as "in\n2024. we…" is not turned into a list.
  if (item) return !/^\d/.test(item[2]) || /^1[.)]$/.test(item[2]);
  return line.includes("|") && i + 1 < lines.length && TABLE_SEP_RE.test(lines[i + 1]);
}

/**
 * Render the list starting at line `start`; returns the index of the first line after it.
 * Items are split at markers of the list's own indentation; each item's body (its first
 * line plus indented continuation lines) is rendered recursively, which gives nesting.
 */
function renderList(lines, start, out) {
  const first = LIST_RE.exec(lines[start]);
  const indent = first[1].length;
  const ordered = /^\d/.test(first[2]);
  const items = [];
  let loose = false;
  let i = start;

  while (i < lines.length) {
    const m = LIST_RE.exec(lines[i]) || EMPTY_ITEM_RE.exec(lines[i]);
    if (!m || m[1].length !== indent || /^\d/.test(m[2]) !== ordered) break;
    // Content of continuation lines must be indented past the marker.
    const contentIndent = indent + m[2].length + 1;
    const body = [m[3] ?? ""];
    i += 1;
    while (i < lines.length) {
      const next = lines[i];
      if (next.trim() === "") {
        // A blank line belongs to the item only if more indented content follows.
        let j = i;
        while (j < lines.length && lines[j].trim() === "") j += 1;
        if (j < lines.length && leadingSpaces(lines[j]) >= contentIndent) {
          body.push("");
          loose = true;
          i += 1;
          continue;
        }
        break;
      }
      const lead = leadingSpaces(next);
      if (lead > indent) {
        body.push(next.slice(Math.min(lead, contentIndent)));
        i += 1;
        continue;
      }
      // Lazy continuation of the item's paragraph (an unindented line that starts no block).
      if (!startsBlock(lines, i) && !LIST_RE.test(next) && body[body.length - 1] !== "") {
        body.push(next.trim());
        i += 1;
        continue;
      }
      break;
    }
    items.push(body);
    // Blank lines between items of the same list make it loose.
    let j = i;
    while (j < lines.length && lines[j].trim() === "") j += 1;
    const nextItem = j < lines.length ? LIST_RE.exec(lines[j]) : null;
    if (j > i && nextItem && nextItem[1].length === indent && /^\d/.test(nextItem[2]) === ordered) {
      loose = true;
      i = j;
    }
  }

  const html = items.map((body) => {
    let inner = renderBlocks(body);
    // Tight lists keep their text out of <p>, like every Markdown renderer does.
    if (!loose) inner = inner.replace(/^<p>([\s\S]*?)<\/p>/, "$1");
    return `<li>${inner}</li>`;
  });
  const startNum = ordered ? parseInt(first[2], 10) : 1;
  const tag = ordered ? "ol" : "ul";
  const startAttr = ordered && startNum !== 1 ? ` start="${startNum}"` : "";
  out.push(`<${tag}${startAttr}>${html.join("")}</${tag}>`);
  return i;
}

function leadingSpaces(line) {
  return line.length - line.replace(/^ +/, "").length;
}

/** A pipe table: header row, separator row, then rows until a line without a pipe. */
function renderTable(lines, start, out) {
  const split = (row) =>
    row
      .trim()
      .replace(/^\|/, "")
      .replace(/\|$/, "")
      .split("|")
      .map((cell) => cell.trim());
  const header = split(lines[start]);
  const aligns = split(lines[start + 1]).map((cell) => {
    if (cell.startsWith(":") && cell.endsWith(":")) return "center";
    if (cell.endsWith(":")) return "right";
    if (cell.startsWith(":")) return "left";
    return "";
  });
  const cell = (tag, text, col) => {
    const align = aligns[col] ? ` class="align-${aligns[col]}"` : "";
    return `<${tag}${align}>${renderInline(text)}</${tag}>`;
  };
  let i = start + 2;
  const rows = [];
  while (i < lines.length && lines[i].includes("|") && lines[i].trim() !== "") {
    const cells = split(lines[i]);
    rows.push(`<tr>${header.map((_, col) => cell("td", cells[col] ?? "", col)).join("")}</tr>`);
    i += 1;
  }
  out.push(
    `<div class="table-wrap"><table><thead><tr>${header.map((h, col) => cell("th", h, col)).join("")}` +
      `</tr></thead><tbody>${rows.join("")}</tbody></table></div>`,
  );
  return i;
}

/** A fenced code block; `code` is already escaped. */
function codeBlock(code, lang, open) {
  const label = lang || "text";
  const langClass = lang ? ` class="language-${lang.replace(/[^\w+#.-]/g, "")}"` : "";
  return (
    `<div class="code-block"${open ? " data-open" : ""}>` +
    `<div class="code-head"><span class="code-lang">${label}</span>` +
    `<button type="button" class="copy-code" data-copy-code aria-label="Copy ${label} code">` +
    `<span class="copy-label">Copy</span></button></div>` +
    `<pre><code${langClass}>${code}</code></pre></div>`
  );
}

/** Inline rules, on one escaped line. */
function renderInline(text) {
  const stash = [];
  const keep = (html) => `${PH_OPEN}${stash.push(html) - 1}${PH_CLOSE}`;

  // Code spans first: nothing inside them is formatted.
  let s = text.replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, (_, _ticks, code) => {
    const body = code.length > 2 && code.startsWith(" ") && code.endsWith(" ") ? code.slice(1, -1) : code;
    return keep(`<code>${body}</code>`);
  });

  // [label](http(s)://url "optional title"); other schemes (javascript:, data:) stay text.
  s = s.replace(/\[([^\]]+)\]\(\s*([^\s()]+)(?:\s+&quot;[^]*?&quot;)?\s*\)/g, (whole, label, url) => {
    if (!/^https?:\/\//i.test(url)) return whole;
    return keep(`<a href="${url}" target="_blank" rel="noopener noreferrer">${emphasis(label)}</a>`);
  });

  // Bare URLs. Trailing punctuation is left out, as in GitHub's autolinks.
  // The text is escaped, so a URL also stops at an escaped `<`, `>`, `"` or `'`.
  s = s.replace(/\bhttps?:\/\/(?:(?!&lt;|&gt;|&quot;|&#39;)[^\s\uE000])+/gi, (match) => {
    const url = match.replace(/(?:[.,:;!?)\]*_~]|&amp;)+$/, "");
    const link = `<a href="${url}" target="_blank" rel="noopener noreferrer">${url}</a>`;
    return keep(link) + match.slice(url.length);
  });

  s = emphasis(s);
  // Restore placeholders (links can contain code spans, so loop until none are left).
  while (PH_RE.test(s)) s = s.replace(PH_RE, (_, n) => stash[Number(n)]);
  return s;
}

function emphasis(s) {
  return s
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^\w])__(?=\S)([\s\S]*?\S)__(?!\w)/g, "$1<strong>$2</strong>")
    .replace(/(^|[^*\w])\*(?=[^\s*])([^*]*?[^\s*])\*(?!\*)/g, "$1<em>$2</em>")
    .replace(/(^|[^\w])_(?=[^\s_])([^_]*?[^\s_])_(?!\w)/g, "$1<em>$2</em>")
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, "<del>$1</del>");
}

/**
 * Handle clicks on the copy buttons of code blocks inside `root` (event delegation, so it
 * keeps working while replies are re-rendered during streaming).
 */
export function installCopyHandler(root) {
  root.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy-code]");
    if (!button || !root.contains(button)) return;
    const code = button.closest(".code-block")?.querySelector("code");
    if (!code) return;
    const ok = await copyText(code.textContent.replace(/\n$/, ""));
    flashLabel(button, ok ? "Copied" : "Copy failed");
  });
}

/** Copy text to the clipboard; falls back to execCommand on non-secure (plain http) origins. */
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the legacy path
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "offscreen";
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

/** Briefly swap a button's label ("Copied"), then restore it. */
export function flashLabel(button, text) {
  const label = button.querySelector(".copy-label") || button;
  if (!label.dataset.original) label.dataset.original = label.textContent;
  label.textContent = text;
  button.classList.add("copied");
  clearTimeout(Number(button.dataset.timer));
  button.dataset.timer = String(
    setTimeout(() => {
      label.textContent = label.dataset.original;
      button.classList.remove("copied");
    }, 1600),
  );
}
