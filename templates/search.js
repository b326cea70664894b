// The packages page's filter box: hides the rows that do not hold the typed text.
(function () {
  var q = document.getElementById('q'), count = document.getElementById('count');
  var rows = Array.prototype.slice.call(document.querySelectorAll('#packages tbody tr'));
  var text = rows.map(function (r) { return r.textContent.toLowerCase(); });
  q.hidden = false;
  q.addEventListener('input', function () {
    var needle = q.value.trim().toLowerCase(), shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var hit = !needle || text[i].indexOf(needle) >= 0;
      rows[i].hidden = !hit;
      if (hit) shown++;
    }
    count.textContent = shown + (shown === 1 ? ' package' : ' packages');
  });
})();
