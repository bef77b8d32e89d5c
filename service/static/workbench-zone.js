/* Tell the workbench the browser's time zone at login (a hidden field), so that times show in the translator's
   zone; without JavaScript the account page sets it, and Europe/Berlin stands until then. */
(function () {
  "use strict";
  var name = "";
  try { name = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
  Array.prototype.forEach.call(document.querySelectorAll("input[data-browser-zone]"), function (field) {
    field.value = name;
  });
}());
