// Buttons with data-copy put that text on the clipboard (data-copy-failed: what to say when the clipboard refuses).
// Without script (or clipboard access) they stay hidden and the text is still on the page (and in a download beside it).
for (const button of document.querySelectorAll('button[data-copy]')) {
  if (!navigator.clipboard) continue;
  const label = button.textContent;
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      button.textContent = 'Copied';
    } catch {
      button.textContent = button.dataset.copyFailed ?? 'Could not copy: select the codes instead';
    }
    setTimeout(() => { button.textContent = label; }, 4000);
  });
}
