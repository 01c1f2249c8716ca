// Live preview for markdown fields in the admin: posts the text to the preview
// endpoint (same pipeline as saving) and shows the HTML and any reference problems.
// gettext comes from the admin's JavaScript catalog, which change forms load before this file.
(function () {
  "use strict";
  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function attach(textarea) {
    if (textarea.dataset.previewReady) return;
    textarea.dataset.previewReady = "1";
    const panel = document.createElement("div");
    panel.className = "markdown-preview";
    panel.setAttribute("aria-live", "polite");
    const heading = document.createElement("p");
    heading.className = "markdown-preview__label";
    heading.textContent = gettext("미리 보기");
    const problems = document.createElement("ul");
    problems.className = "markdown-preview__problems errorlist";
    const body = document.createElement("div");
    body.className = "markdown-preview__body";
    body.lang = "ko"; // content is Korean whatever the admin's language
    panel.append(heading, problems, body);
    textarea.insertAdjacentElement("afterend", panel);
    let timer = null;
    let latest = 0;
    async function refresh() {
      const request = ++latest;
      const data = new FormData();
      data.append("text", textarea.value);
      try {
        const response = await fetch(textarea.dataset.markdownPreview, {
          method: "POST",
          body: data,
          headers: { "X-CSRFToken": csrfToken() },
          credentials: "same-origin",
        });
        // 413: too long to preview; the server says so in "problems".
        if ((!response.ok && response.status !== 413) || request !== latest) return;
        const result = await response.json();
        body.innerHTML = result.html; // already sanitised by the server pipeline
        problems.replaceChildren(...result.problems.map((text) => {
          const li = document.createElement("li");
          li.textContent = text;
          return li;
        }));
      } catch (error) {
        heading.textContent = gettext("미리 보기 (연결 실패)");
      }
    }
    textarea.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    });
    refresh();
  }
  function scan() {
    document.querySelectorAll("textarea[data-markdown-preview]").forEach((textarea) => {
      if (!textarea.name.includes("__prefix__")) attach(textarea);
    });
  }
  document.addEventListener("DOMContentLoaded", scan);
  document.addEventListener("formset:added", scan);
})();
