// Live print preview (FAQ 7): redraw the preview whenever an offset or the invoice type changes.
(function () {
  var img = document.getElementById('printer-preview');
  var box = document.getElementById('printer-form');
  if (!img || !box) { return; }
  function refresh() {
    var params = new URLSearchParams();
    ['invoice_type', 'right', 'down'].forEach(function (name) {
      var el = box.querySelector('[name="' + name + '"]');
      if (el && el.value !== '') { params.set(name, el.value); }
    });
    img.src = img.dataset.base + '?' + params.toString();
  }
  box.addEventListener('input', refresh);
  box.addEventListener('change', refresh);
  refresh();
})();
