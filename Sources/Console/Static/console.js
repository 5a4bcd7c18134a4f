// Keyward console: small enhancements over plain forms. Every page works without this file, except the live checks.
"use strict";
(function () {
  const csrf = () => { const f = document.querySelector('input[name="csrf"]'); return f ? f.value : ""; };

  // Create Key Pair: fetch the private key, hand it to the browser as NAME.pem, and say it cannot be fetched again.
  const create = document.getElementById("keypair-create-form");
  if (create) {
    let sending = false;
    create.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (sending) return;
      sending = true;
      const body = new URLSearchParams(new FormData(create));
      create.classList.add("busy");
      try {
        const response = await fetch(create.action, { method: "POST", body, credentials: "same-origin" });
        const type = response.headers.get("Content-Type") || "";
        if (response.ok && type.startsWith("application/x-pem-file")) {
          const disposition = response.headers.get("Content-Disposition") || "";
          const match = /filename="([^"]+)"/.exec(disposition);
          const filename = match ? match[1] : "key.pem";
          const blob = await response.blob();
          const url = URL.createObjectURL(blob);
          const link = document.createElement("a");
          link.href = url; link.download = filename; link.style.display = "none";
          document.body.appendChild(link); link.click(); link.remove();
          setTimeout(() => URL.revokeObjectURL(url), 60000);
          const name = filename.replace(/\.pem$/, "");
          showNotice(create.dataset.downloadNotice.replaceAll("{name}", name));
          create.reset();
        } else {
          // The form stays as it is (values and all); only the server's words for the failure are shown.
          const parsed = new DOMParser().parseFromString(await response.text(), "text/html");
          const said = parsed.getElementById("form-error") || parsed.getElementById("error");
          showError(said ? said.textContent.trim() : "The key pair was not created (HTTP " + response.status + ").");
        }
      } catch (error) {
        showError("The request failed: " + error);
      } finally {
        create.classList.remove("busy");
        sending = false;
      }
    });
  }

  function showNotice(text) {
    let notice = document.getElementById("notice");
    if (!notice) {
      notice = document.createElement("p");
      notice.id = "notice"; notice.className = "notice"; notice.setAttribute("role", "status");
      document.getElementById("main").prepend(notice);
    }
    notice.textContent = text;
    const error = document.getElementById("form-error");
    if (error) error.remove();
  }

  function showError(text) {
    let error = document.getElementById("form-error");
    if (!error) {
      error = document.createElement("p");
      error.id = "form-error"; error.className = "error"; error.setAttribute("role", "alert");
      const heading = document.querySelector("main h1");
      if (heading) heading.after(error); else document.getElementById("main").prepend(error);
    }
    error.textContent = text;
    error.tabIndex = -1;
    error.focus();
  }

  // A form that came back with an error: the error has the focus, so it is read first.
  const formError = document.getElementById("form-error");
  if (formError) { formError.tabIndex = -1; formError.focus(); }

  // A file chosen in an input fills the named textarea (an uploaded .pub file or private key).
  document.querySelectorAll("input[type=file][data-fill]").forEach((input) => {
    input.addEventListener("change", () => {
      const file = input.files && input.files[0];
      const target = document.getElementById(input.dataset.fill);
      if (!file || !target) return;
      file.text().then((text) => { target.value = text; });
    });
  });

  // Password rules marked as the user types, with the page's own numbers.
  document.querySelectorAll("input[data-password-rules]").forEach((input) => {
    const list = document.getElementById(input.dataset.passwordRules);
    if (!list) return;
    const specials = list.dataset.specials || "";
    const update = () => {
      const value = input.value;
      const classes = [/[A-Z]/.test(value), /[a-z]/.test(value), /[0-9]/.test(value), [...value].some((c) => specials.includes(c))].filter(Boolean).length;
      list.querySelectorAll("li").forEach((item) => {
        let met = false;
        switch (item.dataset.rule) {
          case "length": met = value.length >= Number(item.dataset.min) && value.length <= Number(item.dataset.max); break;
          case "classes": met = classes >= Number(item.dataset.min); break;
          case "allowed": met = value.length > 0 && [...value].every((c) => /[A-Za-z0-9]/.test(c) || specials.includes(c)); break;
          case "first": met = value.length > 0 && !(item.dataset.chars || "").includes(value[0]); break;
        }
        item.classList.toggle("met", met);
        item.classList.toggle("unmet", !met);
        item.setAttribute("aria-label", item.textContent.trim() + (met ? ": met" : ": not met"));
      });
    };
    input.addEventListener("input", update);
    update();
  });

  // Logon credentials: show the part that belongs to the chosen one; the preset-password warning only when chosen.
  const radios = document.querySelectorAll('input[name="credential"]');
  if (radios.length) {
    const sync = () => {
      const chosen = document.querySelector('input[name="credential"]:checked');
      document.querySelectorAll("[data-credential]").forEach((part) => { part.hidden = !chosen || part.dataset.credential !== chosen.value; });
    };
    radios.forEach((radio) => radio.addEventListener("change", sync));
    sync();
  }

  // Long actions: the button says what is happening. Delegated, so that
  // parts of the page brought in afresh keep working.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.id === "keypair-create-form") return;
    const button = form.querySelector("button[type=submit]");
    if (button && form.dataset.busy) { button.textContent = form.dataset.busy; }
    if (form.dataset.busy) form.classList.add("busy");
  });

  // Copy buttons.
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    button.addEventListener("click", () => {
      const text = document.getElementById(button.dataset.copy).textContent;
      if (navigator.clipboard) navigator.clipboard.writeText(text).then(() => { button.textContent = "Copied"; });
    });
  });

  // Policy editor: the server's own parser checks the document as the user types.
  document.querySelectorAll("textarea[data-validate]").forEach((area) => {
    const status = document.getElementById("policy-validation");
    let timer = null;
    const check = async () => {
      const body = new URLSearchParams({ document: area.value, csrf: csrf() });
      try {
        const response = await fetch(area.dataset.validate, { method: "POST", body, credentials: "same-origin" });
        const result = await response.json();
        status.textContent = result.message;
        status.classList.toggle("valid", result.valid);
        status.classList.toggle("invalid", !result.valid);
      } catch (error) {
        status.textContent = "Could not check the document: " + error;
      }
    };
    area.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(check, 250); });
    check();
  });

  // Live state: instances and scans update without a reload while they change, and the refreshes stop once
  // everything has settled. Refreshes say so in a header: they do not keep an idle session alive.
  document.querySelectorAll("[data-poll]").forEach((element) => {
    const url = element.dataset.poll;
    if (element.dataset.reloadWhenDone === "") return;  // a scan that is not running
    let delay = 1500;
    const poll = async () => {
      let again = true;
      try {
        const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json", "X-Keyward-Refresh": "1" } });
        if (response.redirected) return;  // the session ended
        if (!response.ok) {
          delay = Math.min(delay * 2, 15000);
        } else {
          delay = 1500;
          const data = await response.json();
          if (data.instances) {
            data.instances.forEach((instance) => apply(element.querySelector('tr[data-instance-id="' + instance.id + '"]'), instance));
            again = data.instances.some((instance) => !instance.settled);
          } else if (data.summary !== undefined) {
            const field = element.querySelector('[data-field="summary"]');
            if (field) field.textContent = data.summary;
            if (!data.scanning) { await refreshInPlace(element); again = false; }
          } else {
            apply(element, data);
            again = !data.settled;
          }
        }
      } catch (error) {
        delay = Math.min(delay * 2, 15000);
      }
      if (again) setTimeout(poll, delay);
    };
    setTimeout(poll, delay);
  });

  // Brings a finished part of the page (a scan's findings) in from the server without reloading the page.
  async function refreshInPlace(element) {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    const parsed = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = parsed.querySelector('[data-poll="' + element.dataset.poll + '"]');
    if (fresh) element.replaceChildren(...fresh.childNodes);
    element.dataset.reloadWhenDone = "";
  }

  // Writes the state into the page, touching only what changed (elements a reader holds stay in the page).
  function apply(scope, data) {
    if (!scope) return;
    scope.querySelectorAll("[data-field]").forEach((field) => {
      const key = field.dataset.field;
      if (key === "pending") {
        const badge = field.querySelector("span.badge");
        if (data.pending && !badge) {
          const made = document.createElement("span");
          made.className = "badge"; made.textContent = "Pending restart";
          field.replaceChildren(made);
        } else if (!data.pending && badge) {
          field.replaceChildren();
          if (field.tagName === "DD") field.textContent = "In effect";
        }
      } else if (data[key] !== undefined && field.textContent !== String(data[key])) {
        field.textContent = data[key];
      }
    });
    // The actions the new state allows.
    document.querySelectorAll("button[data-enabled-when]").forEach((button) => {
      if (data.status === undefined) return;
      button.disabled = button.dataset.enabledWhen !== data.status;
    });
  }
})();
