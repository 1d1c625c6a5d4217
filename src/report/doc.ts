// A report as a list of blocks, rendered twice: Markdown (figures linked as files) and one
// self-contained HTML page (figures inlined, CSS inlined, no external references).

export interface Provenance {
  /** The exact command line that produced the data (mmc …). */
  command: string;
  /** Config hash(es), as recorded in run.json (or computed for a sweep's base config). */
  configHash: string;
  /** Backend(s) from env.json, e.g. "wasm (@tensorflow/tfjs-backend-wasm 4.22.0)". */
  backend: string;
  /** Which run or sweep folder, by id. */
  source: string;
}

export interface Table {
  caption: string;
  head: string[];
  rows: string[][];
  /** Columns aligned right (numbers). */
  numeric?: boolean[];
  notes?: string[];
  provenance: Provenance;
}

export interface Figure {
  caption: string;
  /** File name under figures/ (DIR/figures/<file>). */
  file: string;
  svg: string;
  provenance: Provenance;
}

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3 | 4; text: string; id?: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'code'; text: string }
  | { kind: 'note'; text: string }
  | { kind: 'table'; table: Table }
  | { kind: 'figure'; figure: Figure };

export interface ReportDoc {
  title: string;
  generated: string;
  blocks: Block[];
}

export const figuresOf = (d: ReportDoc): Figure[] => d.blocks.flatMap((b) => (b.kind === 'figure' ? [b.figure] : []));
export const tablesOf = (d: ReportDoc): Table[] => d.blocks.flatMap((b) => (b.kind === 'table' ? [b.table] : []));

// ---------------------------------------------------------------- Markdown

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const tick = (s: string) => '`' + s.replace(/`/g, "'") + '`';

export function provenanceLine(p: Provenance): string {
  return `Source: ${p.source} · command ${tick(p.command)} · config hash ${p.configHash} · backend ${p.backend}`;
}

export function toMarkdown(d: ReportDoc): string {
  const out: string[] = [`# ${d.title}`, '', `Generated ${d.generated} by \`mmc report\`.`, ''];
  for (const b of d.blocks) {
    switch (b.kind) {
      case 'heading':
        out.push(`${'#'.repeat(b.level + 1)} ${b.text}`, '');
        break;
      case 'paragraph':
        out.push(b.text, '');
        break;
      case 'note':
        out.push(`> ${b.text}`, '');
        break;
      case 'list':
        out.push(...b.items.map((i) => `- ${i}`), '');
        break;
      case 'code':
        out.push('```', b.text, '```', '');
        break;
      case 'table': {
        const t = b.table;
        out.push(`**${t.caption}**`, '');
        out.push(`| ${t.head.map(mdCell).join(' | ')} |`, `|${t.head.map((_, i) => (t.numeric?.[i] ? '---:' : '---')).join('|')}|`);
        for (const r of t.rows) out.push(`| ${r.map(mdCell).join(' | ')} |`);
        out.push('');
        for (const n of t.notes ?? []) out.push(`_${n}_`, '');
        out.push(`<sub>${provenanceLine(t.provenance)}</sub>`, '');
        break;
      }
      case 'figure': {
        const f = b.figure;
        out.push(`![${f.caption.replace(/[[\]]/g, '')}](figures/${f.file})`, '', `_${f.caption}_  `, `<sub>${provenanceLine(f.provenance)}</sub>`, '');
        break;
      }
    }
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}

// ---------------------------------------------------------------- HTML

export const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Markdown-ish inline code (`x`) → <code>, **x** → <strong>, everything else escaped. */
const inline = (s: string) =>
  s
    .split(/(`[^`]*`)/)
    .map((part) => (part.startsWith('`') && part.endsWith('`') && part.length >= 2 ? `<code>${escapeHtml(part.slice(1, -1))}</code>` : escapeHtml(part).replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')))
    .join('');

/**
 * An SVG file's text made fit to sit inside HTML: no XML declaration, and no namespace URIs
 * (HTML's parser puts <svg> in the SVG namespace by itself), so the page holds no URL at all.
 */
export function inlineSvg(svg: string): string {
  return svg
    .replace(/<\?xml[^>]*\?>\s*/, '')
    .replace(/\s+xmlns(:\w+)?="[^"]*"/g, '')
    .replace(/xlink:href=/g, 'href=');
}

const CSS = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;max-width:1100px;margin:2em auto;padding:0 1.2em}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2.2em}h3{margin-top:1.8em}h4{margin-top:1.4em}
table{border-collapse:collapse;margin:.4em 0 .3em;font-size:13.5px}th,td{border:1px solid #ccc;padding:3px 8px;vertical-align:top}
th{background:#f3f3f3;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}caption{caption-side:top;text-align:left;font-weight:600;padding:.3em 0}
figure{margin:1.2em 0;display:inline-block;vertical-align:top}figure svg{display:block;max-width:100%;height:auto}figcaption{font-size:13px;max-width:640px}
.prov{font-size:12px;color:#555;margin:.1em 0 1em}.prov code,code{font-size:12px;background:#f5f5f5;padding:0 3px;border-radius:3px;word-break:break-all}
pre{background:#f5f5f5;padding:.6em;overflow-x:auto;font-size:12.5px}.note{color:#6b4e00;background:#fff8e1;border-left:3px solid #e0b000;padding:.3em .7em}
.tnote{font-size:12.5px;color:#333;font-style:italic;margin:.1em 0}
`;

/**
 * Counted by the render check (src/report/render.ts): the number of inline figures and the sum of
 * their on-screen areas, written to <body data-figures data-figure-area> after layout.
 */
const RENDER_PROBE = `<script>(function(){var s=document.querySelectorAll('figure.mmc-figure svg'),a=0,z=0;for(var i=0;i<s.length;i++){var r=s[i].getBoundingClientRect();a+=r.width*r.height;if(r.width>0&&r.height>0)z++;}document.body.setAttribute('data-figures',String(s.length));document.body.setAttribute('data-figures-visible',String(z));document.body.setAttribute('data-figure-area',String(Math.round(a)));})();</script>`;

function provenanceHtml(p: Provenance): string {
  return `<div class="prov">Source: ${escapeHtml(p.source)} · command <code>${escapeHtml(p.command)}</code> · config hash ${escapeHtml(p.configHash)} · backend ${escapeHtml(p.backend)}</div>`;
}

export function toHtml(d: ReportDoc): string {
  const body: string[] = [`<h1>${escapeHtml(d.title)}</h1>`, `<p class="prov">Generated ${escapeHtml(d.generated)} by <code>mmc report</code>.</p>`];
  for (const b of d.blocks) {
    switch (b.kind) {
      case 'heading':
        body.push(`<h${b.level + 1}${b.id ? ` id="${escapeHtml(b.id)}"` : ''}>${inline(b.text)}</h${b.level + 1}>`);
        break;
      case 'paragraph':
        body.push(`<p>${inline(b.text)}</p>`);
        break;
      case 'note':
        body.push(`<p class="note">${inline(b.text)}</p>`);
        break;
      case 'list':
        body.push(`<ul>${b.items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`);
        break;
      case 'code':
        body.push(`<pre><code>${escapeHtml(b.text)}</code></pre>`);
        break;
      case 'table': {
        const t = b.table;
        const cls = (i: number) => (t.numeric?.[i] ? ' class="num"' : '');
        body.push(
          `<table><caption>${inline(t.caption)}</caption><thead><tr>${t.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>` +
            t.rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('') +
            '</tbody></table>',
        );
        for (const n of t.notes ?? []) body.push(`<p class="tnote">${inline(n)}</p>`);
        body.push(provenanceHtml(t.provenance));
        break;
      }
      case 'figure': {
        const f = b.figure;
        body.push(`<figure class="mmc-figure" data-file="figures/${escapeHtml(f.file)}">${inlineSvg(f.svg)}<figcaption>${inline(f.caption)}${provenanceHtml(f.provenance)}</figcaption></figure>`);
        break;
      }
    }
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(d.title)}</title>
<style>${CSS}</style>
</head>
<body>
${body.join('\n')}
${RENDER_PROBE}
</body>
</html>
`;
}
