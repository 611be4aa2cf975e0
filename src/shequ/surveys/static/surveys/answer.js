// Show-if rules of the form ${q} = 'v' or ${q} < 25 (and/or): hide questions that do not apply.
// Repeated sections (rosters): add and remove entries here, or follow the number asked
// above them; without this script the same buttons re-show the page from the server.
(function () {
  const form = document.querySelector('[data-testid="questionnaire"]');
  if (!form) return;
  const read = (elements) => {
    const list = Array.from(elements);
    const checked = list.filter((el) => el.checked);
    if (checked.length) return checked.map((el) => el.value);
    const el = list[0];
    // An unchecked radio or checkbox carries its option's value: it is no answer.
    if (!el || el.type === 'radio' || el.type === 'checkbox') return [];
    return el.value ? [el.value] : [];
  };
  // Inside an entry a rule means that entry's answers first, then those outside the section.
  const valueOf = (name, from) => {
    const entry = from && from.closest('[data-entry]');
    if (entry) {
      const own = entry.querySelectorAll('[name="' + entry.dataset.prefix + 'q_' + name + '"]');
      if (own.length) return read(own);
    }
    return read(form.querySelectorAll('[name="q_' + name + '"]'));
  };
  const rule = /^\$\{(\w+)\}\s*(=|!=)\s*'([^']*)'$/;
  const number = /^\$\{(\w+)\}\s*(<=|>=|<|>|!=|=)\s*(-?\d+(?:\.\d+)?)$/;
  const selected = /^selected\(\s*\$\{(\w+)\}\s*,\s*'([^']*)'\s*\)$/;
  const compare = {
    '=': (a, b) => a === b, '!=': (a, b) => a !== b,
    '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b,
  };
  const apply = () => form.querySelectorAll('[data-relevant]').forEach((block) => {
    const text = block.dataset.relevant;
    const joiner = / or /.test(text) ? ' or ' : ' and ';
    const parts = text.split(joiner).map((part) => {
      const sel = selected.exec(part.trim());
      if (sel) return valueOf(sel[1], block).includes(sel[2]);
      const num = number.exec(part.trim());
      if (num) {
        // As the server: an unanswered number satisfies no comparison.
        const given = parseFloat(valueOf(num[1], block)[0]);
        return !Number.isNaN(given) && compare[num[2]](given, parseFloat(num[3]));
      }
      const m = rule.exec(part.trim());
      if (!m) return true;
      const has = valueOf(m[1], block).includes(m[3]);
      return m[2] === '=' ? has : !has;
    });
    block.hidden = joiner === ' or ' ? !parts.some(Boolean) : !parts.every(Boolean);
  });

  const entriesOf = (section) => Array.from(section.querySelectorAll('[data-entries] > [data-entry]'));
  const renumber = (section) => {
    const entries = entriesOf(section);
    entries.forEach((entry, i) => entry.querySelectorAll('[data-entry-number]').forEach((el) => {
      el.textContent = String(i + 1);
    }));
    const add = section.querySelector('[data-add-entry]');
    if (add) add.hidden = entries.length >= Number(section.dataset.max);
    const note = section.querySelector('[data-count-note]');
    if (note) note.hidden = entries.length > 0;
  };
  const showLocate = (root) => {
    if (navigator.geolocation) root.querySelectorAll('[data-locate]').forEach((b) => { b.hidden = false; });
  };
  const addEntry = (section) => {
    const list = section.querySelector('[data-entries]');
    // Inputs are named by a block number that stays put when an earlier entry is removed.
    const used = entriesOf(section).map((e) => Number(e.dataset.prefix.slice(1, -1)) || 0);
    const next = used.length ? Math.max(...used) + 1 : 1;
    const holder = document.createElement('div');
    holder.innerHTML = section.querySelector('template[data-entry-template]').innerHTML
      .replaceAll('__N__', String(next));
    const entry = holder.firstElementChild;
    list.appendChild(entry);
    showLocate(entry);
    return entry;
  };
  // A number asked above the section sets how many entries it has.
  const follow = (section) => {
    const wanted = parseInt(valueOf(section.dataset.countFrom)[0], 10);
    if (Number.isNaN(wanted) || wanted < 0) return;
    const target = Math.min(wanted, Number(section.dataset.max));
    while (entriesOf(section).length < target) addEntry(section);
    while (entriesOf(section).length > target) entriesOf(section).pop().remove();
    renumber(section);
  };
  const counted = Array.from(form.querySelectorAll('[data-repeat][data-count-from]'));
  form.querySelectorAll('[data-show-entries]').forEach((b) => { b.hidden = true; });

  form.addEventListener('click', (event) => {
    const add = event.target.closest('[data-add-entry]');
    const remove = event.target.closest('[data-remove-entry]');
    const locate = event.target.closest('[data-locate]');
    if (add) {
      event.preventDefault();
      const section = add.closest('[data-repeat]');
      if (entriesOf(section).length < Number(section.dataset.max)) {
        const entry = addEntry(section);
        renumber(section);
        apply();
        const first = entry.querySelector('input:not([type="hidden"]), textarea');
        if (first) first.focus();
      }
    } else if (remove) {
      event.preventDefault();
      const section = remove.closest('[data-repeat]');
      remove.closest('[data-entry]').remove();
      renumber(section);
      apply();
    } else if (locate) {
      // Location questions: the phone's position fills both inputs (they stay editable).
      navigator.geolocation.getCurrentPosition((pos) => {
        const box = locate.closest('[data-geopoint]');
        box.querySelector('[name$="__lat"]').value = pos.coords.latitude.toFixed(6);
        box.querySelector('[name$="__lon"]').value = pos.coords.longitude.toFixed(6);
        form.dispatchEvent(new Event('change'));
      });
    }
  });
  form.addEventListener('change', () => {
    counted.forEach(follow);
    apply();
  });
  counted.forEach(follow);
  showLocate(form);
  apply();
})();
