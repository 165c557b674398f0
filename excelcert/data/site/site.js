/* The public site of an excelcert register: the list of labels (search, filters, sorting)
   and the verification pages (a code checked against the digest the page holds).

   Plain JavaScript with no library and no network: it runs from file:// as from any static
   host. Its words come from texts.js (written by `excelcert register publish` from the
   table in excelcert/register/publish.py); the page's data from the JSON in
   <script id="site-data">. Data goes into the page as text, never as markup.

   The digest is SHA-256 written out here, since crypto.subtle is missing on file:// pages
   in some browsers; it must stay equal to excelcert.register.public.code_digest (a test
   checks both agree). */
(function () {
  "use strict";

  // --- SHA-256 (FIPS 180-4) ---------------------------------------------------------------

  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];
  var W = new Int32Array(64);

  function rotr(x, n) {
    return (x >>> n) | (x << (32 - n));
  }

  /** The SHA-256 digest of `bytes` (a Uint8Array), as 32 bytes. */
  function sha256(bytes) {
    var length = bytes.length;
    var padded = new Uint8Array(((length + 9 + 63) >> 6) << 6);
    padded.set(bytes);
    padded[length] = 0x80;
    var view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(length / 0x20000000));
    view.setUint32(padded.length - 4, (length << 3) >>> 0);
    var h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a;
    var h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (var offset = 0; offset < padded.length; offset += 64) {
      var i;
      for (i = 0; i < 16; i++) W[i] = view.getInt32(offset + i * 4);
      for (i = 16; i < 64; i++) {
        var w15 = W[i - 15], w2 = W[i - 2];
        var s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
        var s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
        W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
      }
      var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
      for (i = 0; i < 64; i++) {
        var t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
    }
    var out = new Uint8Array(32);
    var outView = new DataView(out.buffer);
    [h0, h1, h2, h3, h4, h5, h6, h7].forEach(function (word, n) { outView.setInt32(n * 4, word); });
    return out;
  }

  function utf8(text) {
    if (typeof TextEncoder !== "undefined") return new TextEncoder().encode(text);
    var binary = unescape(encodeURIComponent(text));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function hex(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }

  /** A code as typed or read: upper case, letters and digits only (as public.normal_code). */
  function normalCode(code) {
    return String(code).toUpperCase().replace(/[^A-Z0-9]/g, "");
  }

  /** The digest a verification page holds of a code (as public.code_digest). */
  function codeDigest(reference, code, rounds) {
    var salt = utf8(String(reference).trim().toUpperCase());
    var first = utf8("|" + normalCode(code));
    var start = new Uint8Array(salt.length + first.length);
    start.set(salt);
    start.set(first, salt.length);
    var digest = sha256(start);
    var buffer = new Uint8Array(32 + salt.length);
    buffer.set(salt, 32);
    for (var n = 1; n < rounds; n++) {
      buffer.set(digest, 0);
      digest = sha256(buffer);
    }
    return hex(digest);
  }

  // --- words, dates and the language ----------------------------------------------------

  var SITE = window.EXCELCERT_SITE || { languages: ["en"], texts: { en: {} }, months: {} };
  var dataElement = document.getElementById("site-data");
  var DATA = dataElement ? JSON.parse(dataElement.textContent) : {};
  var STORAGE_KEY = "excelcert-site-language";
  var lang = chooseLanguage();

  function chooseLanguage() {
    var asked = null;
    try { asked = new URLSearchParams(location.search).get("lang"); } catch (e) { asked = null; }
    if (asked && SITE.texts[asked]) return asked;
    try {
      var kept = window.localStorage.getItem(STORAGE_KEY);
      if (kept && SITE.texts[kept]) return kept;
    } catch (e) { /* storage refused (some file:// pages): the links carry the language */ }
    var wanted = navigator.languages || [navigator.language || "en"];
    for (var i = 0; i < wanted.length; i++) {
      var base = String(wanted[i]).toLowerCase().split("-")[0];
      if (SITE.texts[base]) return base;
    }
    return SITE.languages[0] || "en";
  }

  function t(key) {
    var table = SITE.texts[lang] || {};
    if (Object.prototype.hasOwnProperty.call(table, key)) return table[key];
    var english = SITE.texts.en || {};
    return Object.prototype.hasOwnProperty.call(english, key) ? english[key] : key;
  }

  /** A sentence of the table with its values: a value whose name ends in "date" is a date. */
  function fill(key, args) {
    return t(key).replace(/\{(\w+)\}/g, function (whole, name) {
      if (!args || !Object.prototype.hasOwnProperty.call(args, name)) return whole;
      var value = String(args[name] == null ? "" : args[name]);
      return /date$/.test(name) ? dateText(value, false) : value;
    });
  }

  function pattern(key, day, month, year) {
    return t(key).replace("{day}", day).replace("{month}", month).replace("{year}", year);
  }

  function dateText(iso, short) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    var months = SITE.months[lang];
    if (!m || !months) return iso || "";
    var names = short ? months.abbreviated : months.wide;
    return pattern(short ? "date_short" : "date_long", String(parseInt(m[3], 10)), names[parseInt(m[2], 10) - 1], m[1]);
  }

  function monthText(ym) {
    var m = /^(\d{4})-(\d{2})$/.exec(ym || "");
    var months = SITE.months[lang];
    if (!m || !months) return ym || "";
    return t("month_year").replace("{month}", months.standalone[parseInt(m[2], 10) - 1]).replace("{year}", m[1]);
  }

  function countryName(code) {
    var names = (DATA.countries || {})[code];
    return (names && names[lang]) || code || "";
  }

  /** A certificate's label and sector in the page's language, where the register has them. */
  function labelName(r) {
    return (r.label_names && r.label_names[lang]) || r.label_name;
  }

  function sectorName(r) {
    return (r.sectors && r.sectors[lang]) || r.sector || "";
  }

  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + ("0" + (d.getMonth() + 1)).slice(-2) + "-" + ("0" + d.getDate()).slice(-2);
  }

  /** The state today: a label valid on the day the site was published has expired since
      when its valid-until date is past. */
  function stateNow(row) {
    return row.state === "valid" && row.valid_until < today() ? "expired" : row.state;
  }

  function stateSentence(row, state) {
    if (state === "superseded") return fill("state_superseded_long", { number: row.superseded_by });
    if (state === "withdrawn") return fill("state_withdrawn_long", { date: row.withdrawn_on, reason: row.withdrawn_reason });
    if (state === "expired") return fill("state_expired_long", { date: row.valid_until });
    return fill("state_valid_long", { date: row.valid_until });
  }

  function each(selector, action, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), action);
  }

  function applyTexts(root) {
    each("[data-t]", function (el) {
      var args = null;
      if (el.hasAttribute("data-args")) {
        try { args = JSON.parse(el.getAttribute("data-args")); } catch (e) { args = null; }
      }
      el.textContent = fill(el.getAttribute("data-t"), args);
    }, root);
    each("[data-t-placeholder]", function (el) { el.setAttribute("placeholder", t(el.getAttribute("data-t-placeholder"))); }, root);
    each("[data-t-aria]", function (el) { el.setAttribute("aria-label", t(el.getAttribute("data-t-aria"))); }, root);
    each("[data-date]", function (el) { el.textContent = dateText(el.getAttribute("data-date"), false); }, root);
    each("[data-month]", function (el) { el.textContent = monthText(el.getAttribute("data-month")); }, root);
    each("[data-country]", function (el) { el.textContent = countryName(el.getAttribute("data-country")); }, root);
    each("[data-names]", function (el) {
      var names = {};
      try { names = JSON.parse(el.getAttribute("data-names")) || {}; } catch (e) { names = {}; }
      el.textContent = names[lang] || names["*"] || el.textContent;
    }, root);
  }

  /** Links between the site's pages carry the language. */
  function languageLink(el) {
    if (!el.hasAttribute("data-href")) el.setAttribute("data-href", el.getAttribute("href"));
    el.setAttribute("href", el.getAttribute("data-href") + "?lang=" + encodeURIComponent(lang));
  }

  var pageRender = function () {};

  function setLanguage(next, remember) {
    if (!SITE.texts[next]) return;
    lang = next;
    if (remember) {
      try { window.localStorage.setItem(STORAGE_KEY, next); } catch (e) { /* the links carry it */ }
    }
    try {
      var url = new URL(location.href);
      if (url.searchParams.get("lang") !== next) {
        url.searchParams.set("lang", next);
        history.replaceState(history.state, "", url.href);
      }
    } catch (e) { /* some browsers refuse it on file://: the links still carry the language */ }
    document.documentElement.setAttribute("lang", next);
    applyTexts(document);
    each("a[data-internal]", languageLink);
    each("a[data-lang]", function (el) {
      if (el.getAttribute("data-lang") === next) el.setAttribute("aria-current", "true");
      else el.removeAttribute("aria-current");
    });
    pageRender();
  }

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text != null) el.textContent = text;
    return el;
  }

  function labelClass(id) {
    return "badge label-" + String(id).toLowerCase().replace(/[^a-z0-9-]/g, "").slice(0, 20);
  }

  function websiteLink(row) {
    if (!row.website || !/^https?:\/\//i.test(row.website)) return null;
    var a = element("a", "", row.website_text || row.website);
    a.href = row.website;
    a.rel = "nofollow noopener";
    a.target = "_blank";
    return a;
  }

  // --- the list ---------------------------------------------------------------------------

  function listPage() {
    var rows = DATA.certificates || [];
    var search = document.getElementById("q");
    var filters = {
      label: document.getElementById("f-label"),
      country: document.getElementById("f-country"),
      sector: document.getElementById("f-sector")
    };
    var sort = { key: "country", direction: 1 };
    var STATE_ORDER = { valid: 0, expired: 1, superseded: 2, withdrawn: 3 };

    function fold(text) {
      return String(text == null ? "" : text).toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    }

    function compareText(a, b) {
      return String(a).localeCompare(String(b), lang, { sensitivity: "base", numeric: true });
    }

    function options(select, allKey, values) {
      var kept = select.value;
      select.textContent = "";
      var all = element("option", "", t(allKey));
      all.value = "";
      select.appendChild(all);
      values.forEach(function (pair) {
        var option = element("option", "", pair[1]);
        option.value = pair[0];
        select.appendChild(option);
      });
      select.value = values.some(function (pair) { return pair[0] === kept; }) ? kept : "";
    }

    function buildFilters() {
      var labels = {}, countries = {}, sectors = {};
      rows.forEach(function (r) {
        var known = labels[r.label];  // a row that has the label's name in the page's language, if any has
        if (!known || !(known.label_names && known.label_names[lang])) labels[r.label] = r;
        countries[r.country] = true;
        if (r.sector) sectors[r.sector] = sectorName(r);
      });
      options(filters.label, "all_labels", Object.keys(labels).sort(function (a, b) {
        return (labels[b].label_rank - labels[a].label_rank) || compareText(labelName(labels[a]), labelName(labels[b]));
      }).map(function (id) { return [id, labelName(labels[id])]; }));
      options(filters.country, "all_countries", Object.keys(countries).map(function (code) {
        return [code, countryName(code)];
      }).sort(function (a, b) { return compareText(a[1], b[1]); }));
      options(filters.sector, "all_sectors", Object.keys(sectors).map(function (s) {
        return [s, sectors[s]];
      }).sort(function (a, b) { return compareText(a[1], b[1]); }));
    }

    function matches(r) {
      if (filters.label.value && r.label !== filters.label.value) return false;
      if (filters.country.value && r.country !== filters.country.value) return false;
      if (filters.sector.value && r.sector !== filters.sector.value) return false;
      var words = fold(search.value).split(/\s+/).filter(Boolean);
      if (!words.length) return true;
      var haystack = fold([r.number, r.cluster, r.country, countryName(r.country), r.sector, sectorName(r)].join(" "));
      return words.every(function (w) { return haystack.indexOf(w) !== -1; });
    }

    function sortValue(r, key) {
      if (key === "country") return countryName(r.country);
      if (key === "website") return r.website_text || "";
      if (key === "sector") return sectorName(r);
      return r[key] == null ? "" : r[key];
    }

    function compare(a, b) {
      var key = sort.key, result;
      if (key === "label") result = (b.label_rank - a.label_rank) || compareText(labelName(a), labelName(b));
      else if (key === "state") result = STATE_ORDER[stateNow(a)] - STATE_ORDER[stateNow(b)];
      else if (key === "valid_until" || key === "number") result = sortValue(a, key) < sortValue(b, key) ? -1 : sortValue(a, key) > sortValue(b, key) ? 1 : 0;
      else result = compareText(sortValue(a, key), sortValue(b, key));
      return result * sort.direction
        || compareText(countryName(a.country), countryName(b.country))
        || compareText(a.cluster, b.cluster)
        || (a.number < b.number ? -1 : a.number > b.number ? 1 : 0);
    }

    function headings(table) {
      var names = {};
      each("th[data-key]", function (th) {
        names[th.getAttribute("data-key")] = th.textContent;
        var key = th.getAttribute("data-key");
        th.setAttribute("aria-sort", key === sort.key ? (sort.direction > 0 ? "ascending" : "descending") : "none");
        var button = th.querySelector("button");
        if (button) button.setAttribute("title", fill("sort_by", { column: th.textContent }));
      }, table);
      return names;
    }

    function rowElement(r, names, withState) {
      var tr = document.createElement("tr");
      function cell(key, content) {
        var td = element("td", "c-" + key);
        td.setAttribute("data-label", names[key] || "");
        if (content != null) td.appendChild(typeof content === "string" ? document.createTextNode(content) : content);
        tr.appendChild(td);
        return td;
      }
      var number = element("a", "mono", r.number);
      number.setAttribute("href", r.page);
      number.setAttribute("data-internal", "");
      languageLink(number);
      cell("number", number);
      cell("cluster", element("span", "cluster", r.cluster));
      cell("country", countryName(r.country));
      cell("sector", sectorName(r));
      cell("label", element("span", labelClass(r.label), labelName(r)));
      var until = element("time", "", dateText(r.valid_until, true));
      until.setAttribute("datetime", r.valid_until);
      cell("valid_until", until);
      cell("website", websiteLink(r));
      if (withState) {
        var state = stateNow(r);
        cell("state", element("span", "state state-" + state, stateSentence(r, state)));
      }
      return tr;
    }

    function fillTable(id, part, withState) {
      var table = document.getElementById(id + "-table");
      var names = headings(table);
      var found = part.filter(matches).sort(compare);
      var body = table.tBodies[0];
      var fresh = document.createElement("tbody");
      found.forEach(function (r) { fresh.appendChild(rowElement(r, names, withState)); });
      table.replaceChild(fresh, body);
      table.parentNode.hidden = found.length === 0; // the table's frame too
      var empty = document.getElementById(id + "-empty");
      empty.textContent = t(part.length ? "no_match" : "none_listed");
      empty.hidden = found.length > 0;
      document.getElementById(id + "-count").textContent = part.length ? fill("shown", { shown: found.length, total: part.length }) : "";
    }

    function render() {
      var valid = rows.filter(function (r) { return stateNow(r) === "valid"; });
      var others = rows.filter(function (r) { return stateNow(r) !== "valid"; });
      fillTable("valid", valid, false);
      fillTable("others", others, true);
      document.getElementById("others").hidden = others.length === 0;
    }

    each("th[data-key] button", function (button) {
      button.addEventListener("click", function () {
        var key = button.parentNode.getAttribute("data-key");
        sort = { key: key, direction: sort.key === key ? -sort.direction : 1 };
        render();
      });
    });
    ["input", "change", "search"].forEach(function (name) { search.addEventListener(name, render); });
    Object.keys(filters).forEach(function (name) { filters[name].addEventListener("change", render); });
    document.getElementById("controls").addEventListener("submit", function (event) { event.preventDefault(); });
    pageRender = function () {
      document.title = DATA.register + ": " + t("site_title");
      buildFilters();
      render();
    };
  }

  // --- a certificate's verification page ----------------------------------------------------

  function certificatePage() {
    var cert = DATA.certificate;
    var form = document.getElementById("verify");
    var input = document.getElementById("code");
    var box = document.getElementById("result");
    var outcome = null; // null: nothing checked yet; "empty", "wrong", or the certificate's state

    function renderStatus() {
      var state = stateNow(cert);
      var status = document.getElementById("status");
      status.className = "status status-" + state + (outcome === "wrong" ? " quiet" : "");
      status.querySelector(".status-word").textContent = t("state_" + state);
      status.querySelector(".status-text").textContent = stateSentence(cert, state);
      var inDetails = document.getElementById("state-text");
      inDetails.className = "state state-" + state;
      inDetails.textContent = stateSentence(cert, state);
    }

    function renderResult() {
      if (outcome === null) {
        box.hidden = true;
        return;
      }
      var args = { date: outcome === "withdrawn" ? cert.withdrawn_on : cert.valid_until, number: cert.superseded_by, reason: cert.withdrawn_reason };
      box.className = "result result-" + outcome;
      var title = document.getElementById("result-title");
      title.textContent = outcome === "empty" ? "" : t("result_" + outcome + "_title");
      title.hidden = outcome === "empty";
      document.getElementById("result-text").textContent = fill("result_" + outcome, args);
      box.hidden = false;
    }

    function check(code) {
      if (!normalCode(code)) outcome = "empty";
      else outcome = codeDigest(cert.number, code, DATA.rounds) === DATA.digest ? stateNow(cert) : "wrong";
      renderStatus();
      renderResult();
    }

    function fromAddress() {
      var code = "";
      try { code = decodeURIComponent(location.hash.replace(/^#/, "")); } catch (e) { code = location.hash.replace(/^#/, ""); }
      if (code) {
        input.value = code;
        check(code);
      }
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      check(input.value);
    });
    window.addEventListener("hashchange", fromAddress);
    pageRender = function () {
      document.title = t("certificate") + " " + cert.number + ": " + cert.cluster + " (" + DATA.register + ")";
      renderStatus();
      renderResult();
    };
    fromAddress();
  }

  // --- start ------------------------------------------------------------------------------

  window.ExcelcertSite = {
    codeDigest: codeDigest,
    sha256Hex: function (text) { return hex(sha256(utf8(text))); },
    normalCode: normalCode,
    setLanguage: function (next) { setLanguage(next, true); },
    language: function () { return lang; }
  };

  document.documentElement.className += " js";
  each("a[data-lang]", function (el) {
    el.addEventListener("click", function (event) {
      event.preventDefault();
      setLanguage(el.getAttribute("data-lang"), true);
    });
  });
  var kind = document.body.getAttribute("data-page");
  if (kind === "list") listPage();
  else if (kind === "certificate") certificatePage();
  setLanguage(lang, false);
})();
