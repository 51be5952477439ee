// Look-ups as the user types: inputs with data-lookup fill their datalist from the world's
// look-up URL; inputs with data-live refresh a part of the page (search-as-you-type);
// buttons .fill-range fill the code/start/end fields of the form they stand beside.
(function () {
  function debounce(fn, ms) {
    var t;
    return function () { var a = arguments, self = this; clearTimeout(t); t = setTimeout(function () { fn.apply(self, a); }, ms); };
  }
  document.querySelectorAll('input[data-lookup]').forEach(function (input) {
    var list = document.getElementById(input.getAttribute('list'));
    if (!list) return;
    input.addEventListener('input', debounce(function () {
      var url = input.dataset.lookup + (input.dataset.lookup.indexOf('?') < 0 ? '?' : '&') + 'q=' + encodeURIComponent(input.value);
      fetch(url, {credentials: 'same-origin'}).then(function (r) { return r.ok ? r.json() : []; }).then(function (rows) {
        list.innerHTML = '';
        rows.forEach(function (row) {
          var o = document.createElement('option');
          o.value = row.value; o.textContent = row.label; list.appendChild(o);
        });
      });
    }, 200));
  });
  document.querySelectorAll('input[data-live]').forEach(function (input) {
    var target = document.querySelector(input.dataset.target);
    if (!target) return;
    input.addEventListener('input', debounce(function () {
      var url = input.dataset.live + (input.dataset.live.indexOf('?') < 0 ? '?' : '&') + 'q=' + encodeURIComponent(input.value);
      fetch(url, {credentials: 'same-origin'}).then(function (r) { return r.text(); }).then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.querySelector(input.dataset.target);
        if (fresh) target.replaceWith(fresh), target = fresh;
      });
    }, 250));
  });
  document.querySelectorAll('.fill-range').forEach(function (button) {
    button.addEventListener('click', function () {
      var box = button.closest('[data-for]');
      var form = box && box.parentElement.querySelector('form.op-form');
      if (!form) return;
      ['code', 'start', 'end'].forEach(function (k) {
        var field = form.querySelector('[name=' + k + ']');
        if (field) field.value = button.dataset[k];
      });
    });
  });
})();
