/* Workbench comments: Ctrl+Enter in the comment field sends the comment, not the translation form (whose
   shortcut listens on the whole page), and Alt+Up/Down there move the caret instead of leaving the page. */
(function () {
  "use strict";
  var form = document.getElementById("wb-comment-form");
  if (!form) { return; }
  form.addEventListener("keydown", function (event) {
    if (event.ctrlKey && event.key === "Enter") {
      event.preventDefault();
      event.stopPropagation();
      form.requestSubmit();
    } else if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.stopPropagation();  // a typed comment is not left behind by the editor's previous/next shortcut
    }
  });
})();
