// Sends the site's forms with fetch and shows the answer in place, keeping what the visitor typed on error.
// Without JavaScript the same forms post normally and the service redirects to a page.
(function () {
  "use strict";

  // Crisis language: the rule of forms_lambda/crisis.py (read it there), on the same list, published by the site
  // build as data/crisis-phrases.json. tests/forms/test_crisis.py runs this code in Node on the shared cases.
  function normalise(text) {
    return text.normalize("NFKC").toLowerCase().replace(/['\u2018\u2019\u02bc]/g, "")
      .replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }

  function phrasePattern(phrase) {
    return phrase.split(/\s+/).filter(Boolean).map(function (word) {
      var any = word.slice(-1) === "*";
      var stem = normalise(any ? word.slice(0, -1) : word);
      if (!stem) { throw new Error("crisis phrase " + JSON.stringify(phrase) + " has a word without letters"); }
      return stem + (any ? "[^ ]*" : "");
    }).join(" ");
  }

  function crisisMatcher(list) {
    function alternatives(key) { return list[key].map(phrasePattern).join("|") || "(?!)"; }
    var regex = new RegExp("(?:^| )(?:(" + alternatives("exceptions") + ")|(" + alternatives("phrases") + "))(?= |$)",
      "gu");
    return function (text) {
      var normal = normalise(text);
      var match;
      regex.lastIndex = 0;
      while ((match = regex.exec(normal)) !== null) {
        if (match[2] !== undefined) { return true; }
      }
      return false;
    };
  }

  if (typeof document === "undefined") {  // Node, in the tests: only the matcher, nothing of the page
    module.exports = { crisisMatcher: crisisMatcher };
    return;
  }

  function clearErrors(form) {
    form.querySelectorAll(".field-error").forEach(function (error) {
      var input = form.querySelector("[aria-describedby~='" + error.id + "']");
      if (input) {
        var rest = input.getAttribute("aria-describedby").split(" ").filter(function (id) { return id !== error.id; });
        if (rest.length) { input.setAttribute("aria-describedby", rest.join(" ")); } else { input.removeAttribute("aria-describedby"); }
        input.removeAttribute("aria-invalid");
      }
      error.remove();
    });
  }

  function showFieldError(input, message) {
    var error = document.createElement("p");
    error.className = "field-error";
    error.id = input.id + "-error";
    error.textContent = message;
    (input.closest(".inline-field") || input).insertAdjacentElement("afterend", error);
    input.setAttribute("aria-invalid", "true");
    var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    input.setAttribute("aria-describedby", [error.id].concat(ids).join(" "));
  }

  function setStatus(form, message, kind) {
    var status = form.querySelector(".form-status");
    status.className = "form-status" + (kind ? " is-" + kind : "");
    status.textContent = message;
  }

  function showErrors(form, errors) {
    var first = null;
    var others = [];
    Object.keys(errors).forEach(function (name) {
      var input = form.elements.namedItem(name);
      var visible = input && input.id && input.type !== "hidden" && !input.closest(".hp");
      if (visible) { showFieldError(input, errors[name]); } else { others.push(errors[name]); }
    });
    // Focus the first invalid field in the order the visitor sees them.
    Array.prototype.some.call(form.elements, function (el) {
      if (el.getAttribute("aria-invalid") === "true") { first = el; return true; }
      return false;
    });
    var summary = first ? "Please correct the marked field" + (form.querySelectorAll("[aria-invalid=true]").length > 1 ? "s." : ".") : "";
    setStatus(form, [summary].concat(others).join(" ").trim(), "error");
    if (first) { first.focus(); }
  }

  // The notice beside the message field (partials/forms.html): shown while the message matches, kept once the
  // service has answered that it was urgent. Nothing typed leaves the page for it: the list comes to the page.
  function showCrisisNotice(form, shown) {
    var slot = form.querySelector(".crisis-slot");
    if (shown && !slot.firstElementChild) {
      slot.appendChild(form.querySelector(".crisis-template").content.cloneNode(true));
    } else if (!shown && !slot.hasAttribute("data-kept")) {
      slot.replaceChildren();
    }
    return slot.firstElementChild;
  }

  function watchForCrisisLanguage(form) {
    var field = form.querySelector("[data-crisis-phrases]");
    var matches = null;
    var loading = null;
    function check() {
      if (matches) { showCrisisNotice(form, matches(field.value)); }
    }
    // Fetched once the field is used, so a page that is only read never downloads the list.
    function load() {
      loading = loading || fetch(field.getAttribute("data-crisis-phrases"), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (list) { matches = crisisMatcher(list); check(); })
        .catch(function () { /* no list, no notice: the page's other help and the service's answer remain */ });
    }
    field.addEventListener("focus", load);
    field.addEventListener("input", function () { load(); check(); });
  }

  function showUrgentHelp(form) {
    if (!form.querySelector(".crisis-slot")) { return; }
    form.querySelector(".crisis-slot").setAttribute("data-kept", "");
    showCrisisNotice(form, true).focus();
  }

  // The spam check (FORMS_CAPTCHA=altcha): the <altcha-widget> solves its challenge when the form is sent, then sends
  // it again with the answer, which counts once. After any answer it starts over, ready for the next send.
  function resetSpamCheck(form) {
    var check = form.querySelector("altcha-widget");
    if (check && typeof check.reset === "function") { check.reset(); }
  }

  function setUpSpamCheck(check) {
    // The widget's strict-CSP build brings no workers: the PBKDF2 one is a file of the site (data-worker).
    var worker = check.getAttribute("data-worker");
    if (window.$altcha && !window.$altcha.algorithms.has("PBKDF2/SHA-256")) {
      window.$altcha.algorithms.set("PBKDF2/SHA-256", function () { return new Worker(worker); });
    }
    // A challenge expires after an hour: a page left open that long gets a new one when the form is sent.
    check.addEventListener("expired", function () { check.reset(); });
  }

  async function send(event) {
    var form = event.currentTarget;
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") { return; }
    var button = form.querySelector("[type=submit]");
    // How long the page has been open, on the page's own monotonic clock (never the device's wall clock,
    // which may be set wrong): lets the service tell people from bots that post instantly.
    form.elements.namedItem("elapsed_ms").value = String(Math.round(performance.now()));
    clearErrors(form);
    setStatus(form, "Sending…", "");
    form.setAttribute("aria-busy", "true");
    button.disabled = true;
    var response = null;
    var data = null;
    try {
      response = await fetch(form.action, {
        method: "POST",
        headers: { "Accept": "application/json" },
        body: new URLSearchParams(new FormData(form)),
        credentials: "same-origin"
      });
      data = await response.json();
    } catch (err) {
      data = null;
    } finally {
      form.removeAttribute("aria-busy");
      button.disabled = false;
    }
    resetSpamCheck(form);
    if (response && response.ok && data && data.ok) {
      form.reset();
      setStatus(form, data.message, "success");
      if (data.urgent) { showUrgentHelp(form); }
    } else if (response && response.status === 400 && data && data.errors) {
      showErrors(form, data.errors);
    } else if (response && response.status === 429) {
      setStatus(form, "Too many messages in a short time. Please wait a minute, then try again.", "error");
    } else {
      setStatus(form, "Sorry, this could not be sent just now. Please try again in a moment, or call us at " +
        form.getAttribute("data-phone") + ".", "error");
    }
  }

  document.querySelectorAll("altcha-widget[data-worker]").forEach(setUpSpamCheck);
  document.querySelectorAll("form[data-enhance]").forEach(function (form) {
    form.addEventListener("submit", send);
    if (form.querySelector("[data-crisis-phrases]")) { watchForCrisisLanguage(form); }
  });
}());
