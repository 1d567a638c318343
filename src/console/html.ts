// An `html` template tag that escapes every interpolated value unless it is already-built markup, and the layout.
// Hand-written (30 lines) rather than a template engine: the pages are few, and escaping-by-default is the one
// property that matters; escapeHtml is the gateway's own, shared with its other pages.
import { escapeHtml } from '../answers/escape';

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Value = SafeHtml | string | number | boolean | null | undefined | Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** A data table: column headers (scope="col" for screen readers), rows already built, an optional caption. */
export function dataTable(headers: string[], rows: Value, caption?: string): SafeHtml {
  return html`<table>
    ${
      caption === undefined
        ? null
        : html`<caption class="muted">
            ${caption}
          </caption>`
    }
    <thead>
      <tr>
        ${headers.map((h) => html`<th scope="col">${h}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}

const STYLE = `
  :root { color-scheme: light; }
  body { font-family: system-ui, sans-serif; margin: 0; background: #f5f7fa; color: #1f2933; line-height: 1.45; }
  header { background: #1f2933; color: #fff; padding: .6rem 1.5rem; display: flex; gap: 1.5rem; align-items: center; }
  header a, header button { color: #fff; }
  header .brand { font-weight: 700; text-decoration: none; }
  header form { margin-left: auto; }
  main { max-width: 72rem; margin: 1.5rem auto; padding: 0 1.5rem; }
  section { background: #fff; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.08); padding: 1rem 1.25rem; margin-bottom: 1.25rem; }
  h1 { font-size: 1.5rem; margin: 0 0 1rem; }
  h2 { font-size: 1.15rem; margin: 0 0 .75rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #d9dee5; vertical-align: top; }
  th { background: #eef1f5; }
  a { color: #0b4f9c; }
  button { font: inherit; padding: .3rem .8rem; border-radius: 4px; border: 1px solid #0b4f9c; background: #0b4f9c; color: #fff; cursor: pointer; }
  header button { background: transparent; border-color: #fff; }
  input, select { font: inherit; padding: .3rem; border: 1px solid #6b7785; border-radius: 4px; }
  label { display: block; margin: .5rem 0 .2rem; font-weight: 600; }
  .flash { background: #e3f2e6; border-left: 4px solid #1e6b33; padding: .6rem 1rem; }
  .error { background: #fdecea; border-left: 4px solid #a51d1d; padding: .6rem 1rem; }
  .muted { color: #4a5563; }
  .tag { display: inline-block; padding: 0 .4rem; border-radius: 4px; background: #eef1f5; font-size: .9em; }
  .tag.bad { background: #fdecea; color: #8a1414; }
  .tag.ok { background: #e3f2e6; color: #1e5a2d; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
  dt { font-weight: 600; }
  dd { margin: 0; }
  svg text { font-family: system-ui, sans-serif; }
  .inline { display: inline; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

export interface LayoutOptions {
  title: string;
  body: SafeHtml;
  /** Present once signed in: the header shows navigation and sign-out. */
  csrf?: string;
  operator?: string;
}

export function layout(options: LayoutOptions): string {
  const nav = options.csrf
    ? html`<a class="brand" href="/console/">Maintenance console</a>
        <a href="/console/">Needs attention</a>
        <span>Signed in as ${options.operator ?? 'operator'}</span>
        <form method="post" action="/console/logout">
          <input type="hidden" name="csrf" value="${options.csrf}" /><button type="submit">Sign out</button>
        </form>`
    : html`<span class="brand">Maintenance console</span>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)} · Maintenance console</title>
<style>${STYLE}</style>
</head>
<body>
<header>${nav.value}</header>
<main>
${options.body.value}
</main>
</body>
</html>
`;
}
