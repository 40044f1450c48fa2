import sanitizeHtml from 'sanitize-html';

/** HTML longer than this is not offered as a formatted view at all, characters. */
export const MAX_SANITISED_HTML_CHARS = 1_000_000;

const ALLOWED_STYLE_VALUE = /^[#a-zA-Z0-9 ,.%()-]{1,64}$/;
const SAFE_STYLES = ['color', 'background-color', 'text-align', 'font-weight', 'font-style', 'text-decoration', 'font-size'];

/**
 * The allowlist for a message's HTML shown to the Monitoring Officer. It keeps layout and text
 * only: no script, svg, math, form, base, meta, frames, style sheets or event handlers, and no
 * URL that would make the browser fetch anything (a remote image is a read receipt for the
 * sender). Links keep their target only as visible text in `title`, so a click goes nowhere.
 */
const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags.filter((tag) => tag !== 'a'), 'a', 'img', 'font', 'center'],
  allowedAttributes: {
    '*': ['style', 'align', 'dir', 'lang', 'title'],
    img: ['src', 'alt', 'width', 'height'],
    td: ['colspan', 'rowspan', 'align', 'valign', 'width'],
    th: ['colspan', 'rowspan', 'align', 'valign', 'width', 'scope'],
    table: ['width', 'border', 'cellpadding', 'cellspacing'],
  },
  allowedSchemes: [],
  allowedSchemesByTag: { img: ['data'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite', 'action', 'formaction', 'background', 'poster', 'srcset'],
  allowProtocolRelative: false,
  allowedStyles: { '*': Object.fromEntries(SAFE_STYLES.map((property) => [property, [ALLOWED_STYLE_VALUE]])) },
  disallowedTagsMode: 'discard',
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'template', 'svg', 'math', 'object', 'iframe'],
  transformTags: {
    a: (_tagName, attributes) => {
      const target = attributes.href;
      const attribs: sanitizeHtml.Attributes = target ? { title: `link to: ${target.slice(0, 500)}` } : {};
      return { tagName: 'a', attribs };
    },
    img: (_tagName, attributes) => {
      const source = attributes.src ?? '';
      // only inline data images survive; anything else is replaced by its alt text
      if (!/^data:image\/(png|gif|jpeg|webp);base64,/i.test(source)) {
        return { tagName: 'span', attribs: { title: 'remote image blocked' }, text: attributes.alt ? `[image: ${attributes.alt}]` : '[image blocked]' };
      }
      return { tagName: 'img', attribs: { ...attributes } };
    },
  },
};

/** The message's HTML reduced to inert markup; `undefined` when it is too long to show. */
export function sanitiseMessageHtml(messageHtml: string): string | undefined {
  if (messageHtml.length > MAX_SANITISED_HTML_CHARS) return undefined;
  return sanitizeHtml(messageHtml, OPTIONS);
}
