// The one HTML layout of the gateway's own pages; every value passes through escapeHtml.
import { escapeHtml } from './escape';

export interface PageContent {
  title: string;
  paragraphs: string[];
  lang?: string;
  /** A link under the text (the accepted page's way back); `href` must already be a checked http(s) URL. */
  link?: { href: string; text: string };
}

export function renderPage(content: PageContent): string {
  const paragraphs = content.paragraphs.map((p) => `    <p>${escapeHtml(p)}</p>`);
  if (content.link)
    paragraphs.push(`    <p><a href="${escapeHtml(content.link.href)}" rel="noreferrer">${escapeHtml(content.link.text)}</a></p>`);
  const body = paragraphs.join('\n');
  return `<!doctype html>
<html lang="${escapeHtml(content.lang ?? 'en')}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(content.title)}</title>
  <style>
    body { font-family: system-ui, sans-serif; margin: 0; background: #f5f7fa; color: #1f2933; }
    main { max-width: 40rem; margin: 10vh auto; padding: 2rem; background: #fff; border-radius: 8px;
           box-shadow: 0 1px 4px rgba(0,0,0,.08); }
    h1 { font-size: 1.5rem; margin-top: 0; }
    p { line-height: 1.5; }
  </style>
</head>
<body>
  <main>
    <h1>${escapeHtml(content.title)}</h1>
${body}
  </main>
</body>
</html>
`;
}
