// Tell the reader when an htmx request fails, instead of failing silently.
// Their input stays on the page, so nothing is lost: they can simply try again.
(function () {
  "use strict";
  function announce(text) {
    const region = document.getElementById("request-status");
    if (!region) return;
    region.textContent = text;
    region.hidden = false;
  }
  // gettext and interpolate come from Django's JavaScript catalog (jsi18n/, loaded before this file).
  document.addEventListener("htmx:responseError", function (event) {
    const status = event.detail.xhr.status;
    announce(
      status === 403
        ? gettext("보안 토큰이 만료되었습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요. 고른 답은 새로 고친 뒤 다시 골라야 합니다.")
        : interpolate(gettext("요청을 처리하지 못했습니다 (%(status)s). 잠시 후 다시 시도해 주세요."), { status: status }, true)
    );
  });
  // A form that must go at once (the signed answer of LTI deep linking): no inline script is allowed.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-auto-submit]").forEach(function (form) { form.submit(); });
    // LTI Dynamic Registration done: tell the LMS that opened this page to close it.
    if (document.querySelector("[data-lti-registered]")) {
      (window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, "*");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    announce(gettext("서버에 연결할 수 없습니다. 네트워크 연결을 확인한 뒤 다시 시도해 주세요."));
  });
  // The CSRF token travels in a header read from Django's cookie, not printed in the page:
  // pages served to everyone from the shared cache carry no token (see config/csrf.py).
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb === "get") return;
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) event.detail.headers["X-CSRFToken"] = decodeURIComponent(match[1]);
  });
  document.addEventListener("htmx:beforeRequest", function () {
    const region = document.getElementById("request-status");
    if (region) region.hidden = true;
  });
})();

// The footer's language switch returns to the page as it is now, also after htmx pushed a new URL
// (a catalog filter, a search).
document.addEventListener("htmx:pushedIntoHistory", function () {
  "use strict";
  const next = document.querySelector(".language-switch input[name=next]");
  if (next) next.value = location.pathname + location.search;
});

// The header search: arrow keys move between the live results, Escape closes them.
(function () {
  "use strict";
  const input = document.getElementById("site-search-q");
  const box = document.getElementById("site-search-results");
  if (!input || !box) return;
  function links() {
    return Array.from(box.querySelectorAll("a"));
  }
  function close() {
    box.innerHTML = "";
    input.focus();
  }
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && links().length) {
      event.preventDefault();
      links()[0].focus();
    } else if (event.key === "Escape" && box.innerHTML) {
      event.preventDefault();
      close();
    }
  });
  box.addEventListener("keydown", function (event) {
    const all = links();
    const at = all.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && at < all.length - 1) {
      event.preventDefault();
      all[at + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (at > 0 ? all[at - 1] : input).focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
})();

// An answered question's verdict gets focus (autofocus, htmx): make sure it is also seen, clear of
// the score panel that sticks to the top of the screen on wide screens. The browser scrolls a
// focused element only when it is off screen, not when a sticky element covers it.
document.addEventListener("htmx:afterSettle", function (event) {
  "use strict";
  const verdict = event.detail.elt.querySelector && event.detail.elt.querySelector(".question__verdict");
  if (!verdict || document.activeElement !== verdict) return;
  let clear = 0;
  document.querySelectorAll(".quiz-score").forEach(function (panel) {
    if (getComputedStyle(panel).position === "sticky") clear = Math.max(clear, panel.getBoundingClientRect().bottom);
  });
  const box = verdict.getBoundingClientRect();
  const gap = 12;
  if (box.top < clear + gap || box.bottom > window.innerHeight) {
    window.scrollBy({ top: box.top - clear - gap, behavior: "instant" });
  }
});

// Ordering: move buttons instead of one select per position (Moodle's qtype_ordering). Each row
// keeps its select, hidden, set to the item it shows, so the form posts the order as without
// JavaScript. Focus follows the moved item, to the other button at either end; a live region
// says where it went.
(function () {
  "use strict";
  function enhance(list) {
    if (list.classList.contains("is-enhanced")) return;
    const status = list.parentElement.querySelector("[data-ordering-status]");
    function rows() {
      return Array.from(list.children);
    }
    function refresh() {
      rows().forEach(function (row, index, all) {
        row.querySelector(".ordering__up").disabled = index === 0;
        row.querySelector(".ordering__down").disabled = index === all.length - 1;
        row.querySelector(".ordering__position").textContent = list.dataset.position.replace("__n__", index + 1);
      });
    }
    function move(row, step) {
      const all = rows();
      const to = all.indexOf(row) + step;
      if (to < 0 || to >= all.length) return;
      if (step < 0) list.insertBefore(row, all[to]);
      else list.insertBefore(row, all[to].nextSibling);
      refresh();
      const button = row.querySelector(step < 0 ? ".ordering__up" : ".ordering__down");
      (button.disabled ? row.querySelector(step < 0 ? ".ordering__down" : ".ordering__up") : button).focus();
      if (status) status.textContent = list.dataset.moved.replace("__n__", to + 1);
    }
    rows().forEach(function (row) {
      const select = row.querySelector("select");
      const text = row.querySelector(".ordering__text");
      text.textContent = select.options[select.selectedIndex].text;
      text.hidden = false;
      row.querySelector(".ordering__moves").hidden = false;
      row.querySelector(".ordering__up").addEventListener("click", function () { move(row, -1); });
      row.querySelector(".ordering__down").addEventListener("click", function () { move(row, 1); });
    });
    list.classList.add("is-enhanced");
    refresh();
  }
  function enhanceAll(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("[data-ordering]").forEach(enhance);
  }
  if (window.htmx) window.htmx.onLoad(enhanceAll);
  else document.addEventListener("DOMContentLoaded", function () { enhanceAll(document); });
})();
