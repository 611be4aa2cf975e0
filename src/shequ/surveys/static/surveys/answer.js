// Show-if rules of the form ${q} = 'v' (and/or): hide questions that do not apply.
(function () {
  const form = document.querySelector('[data-testid="questionnaire"]');
  if (!form) return;
  const valueOf = (name) => {
    const checked = form.querySelectorAll('[name="q_' + name + '"]:checked');
    if (checked.length) return Array.from(checked).map((el) => el.value);
    const el = form.querySelector('[name="q_' + name + '"]');
    // An unchecked radio or checkbox carries its option's value: it is no answer.
    if (!el || el.type === 'radio' || el.type === 'checkbox') return [];
    return el.value ? [el.value] : [];
  };
  const rule = /^\$\{(\w+)\}\s*(=|!=)\s*'([^']*)'$/;
  const selected = /^selected\(\s*\$\{(\w+)\}\s*,\s*'([^']*)'\s*\)$/;
  const apply = () => form.querySelectorAll('[data-relevant]').forEach((block) => {
    const text = block.dataset.relevant;
    const joiner = / or /.test(text) ? ' or ' : ' and ';
    const parts = text.split(joiner).map((part) => {
      const sel = selected.exec(part.trim());
      if (sel) return valueOf(sel[1]).includes(sel[2]);
      const m = rule.exec(part.trim());
      if (!m) return true;
      const has = valueOf(m[1]).includes(m[3]);
      return m[2] === '=' ? has : !has;
    });
    block.hidden = joiner === ' or ' ? !parts.some(Boolean) : !parts.every(Boolean);
  });
  form.addEventListener('change', apply);
  apply();
  // Location questions: the phone's position fills both inputs (they stay editable).
  if (navigator.geolocation) form.querySelectorAll('[data-locate]').forEach((button) => {
    button.hidden = false;
    button.addEventListener('click', () => navigator.geolocation.getCurrentPosition((pos) => {
      const name = button.dataset.locate;
      form.querySelector('[name="q_' + name + '__lat"]').value = pos.coords.latitude.toFixed(6);
      form.querySelector('[name="q_' + name + '__lon"]').value = pos.coords.longitude.toFixed(6);
      form.dispatchEvent(new Event('change'));
    }));
  });
})();
