// LTI Client Side postMessage storage (lti/storage.py): values the LMS keeps for us in a frame
// of its page, when this browser keeps no cookie of ours inside the LMS's iframe.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("lti-storage").textContent);
  const platform = window.parent;

  function storageFrame() {
    try {
      return (data.frame && data.frame !== "_parent" && platform.frames[data.frame]) || platform;
    } catch (error) {
      return platform;
    }
  }

  function randomId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  // One message to the LMS's storage frame and its answer, from the LMS's origin only.
  function ask(message) {
    return new Promise(function (resolve, reject) {
      const id = randomId();
      const timer = setTimeout(function () { stop(); reject(new Error("timeout")); }, 2000);
      function stop() { clearTimeout(timer); window.removeEventListener("message", listen); }
      function listen(event) {
        const answer = event.data;
        if (event.origin !== data.origin || !answer || answer.message_id !== id) return;
        if (answer.subject !== message.subject + ".response") return;
        stop();
        if (answer.error) reject(answer.error); else resolve(answer);
      }
      window.addEventListener("message", listen);
      storageFrame().postMessage(Object.assign({ message_id: id }, message), data.origin);
    });
  }

  function put(key, value) { return ask({ subject: "lti.put_data", key: key, value: value }); }
  function get(key) { return ask({ subject: "lti.get_data", key: key }).then(function (a) { return a.value; }); }
  function failed() { document.querySelector("[data-storage-failed]").hidden = false; }

  if (platform === window) { failed(); return; }
  const form = document.querySelector("form[data-storage-form]");
  if (form) {  // the launch: read back what the login kept, post it with the launch
    get("lti_state_" + data.state)
      .then(function (state) {
        if (!state) throw new Error("no state kept");  // nothing to post: the launch stays unspent
        form.elements.stored_state.value = state;
        return get("lti_nonce_" + data.nonce);
      })
      .then(function (nonce) {
        if (!nonce) throw new Error("no nonce kept");
        form.elements.stored_nonce.value = nonce;
        form.submit();
      })
      .catch(failed);
  } else {  // the login: keep the state and nonce with the LMS, then on to its auth endpoint
    put("lti_state_" + data.state, data.state)
      .then(function () { return put("lti_nonce_" + data.nonce, data.nonce); })
      .then(function () { window.location.replace(data.next); })
      .catch(failed);
  }
})();
