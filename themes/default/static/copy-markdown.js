/* "Copy as Markdown" on article pages (partials/copy_markdown.html): fetches the article's
   Markdown copy from the site and puts it on the clipboard, then says so in a status line.
   The button stays hidden where the Clipboard API is missing. */
(function () {
  "use strict";
  var button = document.querySelector("button[data-markdown-url]");
  if (!button || !navigator.clipboard || !window.fetch) return;
  var status = button.parentNode.querySelector(".copy-markdown-status");

  function say(text) {
    if (status) status.textContent = text;
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    say("");
    fetch(button.getAttribute("data-markdown-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (text) {
        return navigator.clipboard.writeText(text);
      })
      .then(
        function () {
          say(button.getAttribute("data-copied"));
        },
        function (error) {
          console.debug("helpgen: copy as Markdown failed:", error);
          say(button.getAttribute("data-failed"));
        }
      );
  });
})();
