// Bulk send: "Check the file" posts the form in place and shows the check, so the chosen file stays chosen for "Send".
// Without JavaScript the same button posts the page (and the file is chosen again to send).
const form = document.getElementById('bulk-form');
const preview = document.getElementById('preview');
form?.addEventListener('submit', async (event) => {
  if (event.submitter !== preview || !form.reportValidity()) return;
  event.preventDefault();
  preview.disabled = true;
  try {
    const body = new FormData(form);
    const response = await fetch(preview.formAction, { method: 'POST', body, credentials: 'same-origin' });
    const page = new DOMParser().parseFromString(await response.text(), 'text/html');
    for (const id of ['bulk-preview', 'error']) {
      const fresh = page.getElementById(id);
      const current = document.getElementById(id);
      if (id === 'error') {
        current?.remove();
        if (fresh) document.querySelector('#bulk-page h1').after(fresh);
      } else if (fresh && current) {
        current.replaceWith(fresh);
      }
    }
    document.getElementById('preview-title')?.focus?.();
  } finally {
    preview.disabled = false;
  }
});
