// /search/: finds articles, pages and people by the words in them, as the visitor types.
// The index (plugins/search_index.py) lists every word of the site with the documents holding it. A document is
// found when each word typed begins one of its words ("infus" finds "infusions"). Results show the title and
// summary with the matches marked and, read from the page itself, the passage of its text with the first match.
// Only this page loads this file; it builds everything with DOM methods (no HTML from data, nothing inline).
(function () {
  "use strict";

  var form = document.getElementById("search");
  if (!form || !window.fetch || !window.DOMParser) return;
  var input = document.getElementById("search-words");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var MAX_RESULTS = 20;
  var WORD = /[\p{L}\p{N}]+/gu;
  var index = null;
  var pageTexts = {};
  var timer = null;

  // The same words as the index's: lower case, accents removed.
  function fold(text) {
    return text.toLowerCase().normalize("NFKD").replace(/\p{Mn}/gu, "");
  }

  function words(text) {
    return fold(text).match(WORD) || [];
  }

  function loadIndex() {
    if (!index) {
      index = fetch(form.getAttribute("data-index")).then(function (response) {
        if (!response.ok) throw new Error("index " + response.status);
        return response.json();
      }).then(function (data) {
        data.stopWords = new Set(data.stop);
        return data;
      });
    }
    return index;
  }

  // Documents having a word that starts with prefix (the words are sorted: a binary search finds the first).
  function documentsFor(data, prefix) {
    var found = new Set();
    var low = 0;
    var high = data.words.length;
    while (low < high) {
      var middle = (low + high) >> 1;
      if (data.words[middle] < prefix) low = middle + 1; else high = middle;
    }
    for (var i = low; i < data.words.length && data.words[i].lastIndexOf(prefix, 0) === 0; i++) {
      var number = -1;
      data.postings[i].split(",").forEach(function (gap) {
        number += parseInt(gap, 36);
        found.add(number);
      });
    }
    return found;
  }

  function matches(text, terms) {
    return words(text).some(function (word) {
      return terms.some(function (term) { return word.lastIndexOf(term, 0) === 0; });
    });
  }

  function find(data, terms) {
    var sets = terms.map(function (term) { return documentsFor(data, term); });
    sets.sort(function (a, b) { return a.size - b.size; });
    var found = Array.from(sets[0]).filter(function (n) {
      return sets.every(function (set) { return set.has(n); });
    });
    // A match in the title counts most, then in the summary; then the newest first.
    var results = found.map(function (n) {
      var page = data.pages[n];
      var score = matches(page[1], terms) ? 2 : matches(page[2], terms) ? 1 : 0;
      return { url: page[0], title: page[1], summary: page[2], date: page[3], score: score };
    });
    results.sort(function (a, b) {
      return b.score - a.score || (b.date > a.date ? 1 : b.date < a.date ? -1 : 0);
    });
    return results;
  }

  // The text with every word that starts with a term in <mark>.
  function marked(text, terms) {
    var fragment = document.createDocumentFragment();
    var last = 0;
    text.replace(WORD, function (word, offset) {
      var folded = fold(word);
      if (terms.some(function (term) { return folded.lastIndexOf(term, 0) === 0; })) {
        fragment.appendChild(document.createTextNode(text.slice(last, offset)));
        var mark = document.createElement("mark");
        mark.textContent = word;
        fragment.appendChild(mark);
        last = offset + word.length;
      }
      return word;
    });
    fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  function element(name, className, child) {
    var node = document.createElement(name);
    if (className) node.className = className;
    if (child) node.appendChild(child);
    return node;
  }

  // The words around the first match in the page's own text (the page is fetched once, then cached).
  function excerpt(url, terms) {
    if (!pageTexts[url]) {
      pageTexts[url] = fetch(url).then(function (response) { return response.text(); }).then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var prose = page.querySelector(".prose") || page.querySelector("main");
        return prose ? prose.textContent.replace(/\s+/g, " ").trim() : "";
      });
    }
    return pageTexts[url].then(function (text) {
      var spaced = text.split(" ");
      var at = spaced.findIndex(function (piece) { return matches(piece, terms); });
      if (at < 0) return "";
      var start = Math.max(0, at - 12);
      var end = Math.min(spaced.length, at + 20);
      return (start > 0 ? "… " : "") + spaced.slice(start, end).join(" ") + (end < spaced.length ? " …" : "");
    });
  }

  function show(results, query, terms) {
    list.textContent = "";
    results.slice(0, MAX_RESULTS).forEach(function (result) {
      var item = element("li", "search-result");
      var link = element("a", null, marked(result.title, terms));
      link.href = result.url;
      item.appendChild(element("h2", null, link));
      if (result.summary) item.appendChild(element("p", null, marked(result.summary, terms)));
      var passage = element("p", "search-excerpt");
      item.appendChild(passage);
      list.appendChild(item);
      excerpt(result.url, terms).then(function (text) {
        if (text) passage.appendChild(marked(text, terms));
      }, function () { /* the summary stays */ });
    });
    var count = results.length;
    status.textContent = count === 0
      ? "Nothing found for \u201c" + query + "\u201d. Try other or fewer words, or browse the articles below."
      : (count === 1 ? "1 result" : count + " results") + " for \u201c" + query + "\u201d" +
        (count > MAX_RESULTS ? ", the first " + MAX_RESULTS + " shown." : ".");
  }

  function run() {
    var query = input.value.trim();
    window.history.replaceState(null, "", query ? "?q=" + encodeURIComponent(query) : window.location.pathname);
    loadIndex().then(function (data) {
      if (input.value.trim() !== query) return;  // the visitor typed on: a newer search follows
      var terms = words(query).filter(function (word) { return !data.stopWords.has(word); });
      if (!terms.length) {
        list.textContent = "";
        status.textContent = query ? "Type a word to search for." : "";
        return;
      }
      show(find(data, terms), query, terms);
    }, function () {
      status.textContent = "The search could not load. Browse the articles below instead.";
    });
  }

  form.hidden = false;
  document.getElementById("search-needs-script").hidden = true;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run();
  });
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, 150);
  });
  var asked = new URLSearchParams(window.location.search).get("q");
  if (asked) {
    input.value = asked;
    run();
  } else {
    loadIndex();
  }
})();
