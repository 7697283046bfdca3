// Progressive enhancement only: every page works without it. Copy buttons put the defanged
// URL on the clipboard; the URL is never turned into a link.
'use strict';
document.addEventListener('click', async (event) => {
  const button = event.target instanceof Element ? event.target.closest('button.copy') : null;
  if (!button) return;
  const source = document.getElementById(button.dataset.copy || '');
  if (!source) return;
  const text = source.textContent || '';
  const label = button.firstChild;
  try {
    await navigator.clipboard.writeText(text);
    if (label) label.textContent = 'Copied';
  } catch {
    // No clipboard permission: select the text so Ctrl+C copies it.
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    if (selection) {
      selection.removeAllRanges();
      selection.addRange(range);
    }
    if (label) label.textContent = 'Selected';
  }
  setTimeout(() => {
    if (label) label.textContent = 'Copy';
  }, 2000);
});
