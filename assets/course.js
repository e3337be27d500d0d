// Course scripts, loaded on every page after the theme's: what a keyboard or screen-reader user
// needs that the theme and the widget manager do not give (see tests/browser/test_a11y.py).
//
// 1. The theme's own buttons get names that match what they show.
// 2. Wide code, formulas and tables that scroll sideways can be reached with Tab (and only those:
//    MathJax keeps the other formulas out of the Tab order, see _config.yml).
// 3. The interactive figures (ipywidgets replayed from saved state) speak: every control is
//    named, sliders say their state in words, kernel buttons say which one is pressed, and a
//    polite live region reads the new frame's caption when it changes. convlib.figures.widgets
//    marks their parts for this: course-widget, course-widget-title, course-frame (with
//    data-label), course-caption (see that module's docstring).
(function () {
  "use strict";

  var uid = 0;

  function idOf(el, prefix) {
    if (!el.id) el.id = "course-" + prefix + "-" + ++uid;
    return el.id;
  }

  // Set an attribute only when it changes, so that our own MutationObserver settles.
  function setAttr(el, name, value) {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }

  function textOf(el) {
    return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
  }

  // ------------------------------------------------------------------------------------------
  // 1. The theme's buttons
  // ------------------------------------------------------------------------------------------

  function fixThemeButtons() {
    // The search field shows "Search Ctrl+K" but was named "Search" only (WCAG 2.5.3, label in
    // name): its name now comes from what it shows, and the shortcut is declared.
    document.querySelectorAll(".search-button-field[aria-label]").forEach(function (button) {
      button.removeAttribute("aria-label");
      button.setAttribute("aria-keyshortcuts", "Control+K");
    });
    // The colour-mode button shows one icon titled Light, Dark or System Settings, and was
    // named "Color mode": its name now says the mode it shows.
    var modeButton = document.querySelector(".theme-switch-button");
    function nameModeButton() {
      var mode = document.documentElement.dataset.mode || "auto";
      var icon = modeButton.querySelector('.theme-switch[data-mode="' + mode + '"]');
      var title = icon && (icon.getAttribute("title") || textOf(icon.querySelector("title")));
      setAttr(modeButton, "aria-label", "Color mode: " + (title || mode));
    }
    if (modeButton) {
      nameModeButton();
      // FontAwesome turns the icons into <svg> after this script has run.
      new MutationObserver(nameModeButton).observe(document.documentElement, {
        attributes: true,
        attributeFilter: ["data-mode"],
      });
      new MutationObserver(nameModeButton).observe(modeButton, { childList: true });
    }
    // "Show code cell source": the summary was named "Toggle hidden content", which is not what
    // it shows; without the label its name is its visible text ("Show/Hide code cell source").
    document
      .querySelectorAll('details.hide > summary[aria-label="Toggle hidden content"]')
      .forEach(function (summary) {
        summary.removeAttribute("aria-label");
      });
    // A solution's fold button: every one was "Toggle hidden content"; name it after its
    // solution (aria-expanded says whether it is open).
    document.querySelectorAll(".admonition.toggle > .admonition-title").forEach(function (title) {
      var button = title.querySelector("button.toggle-button");
      if (!button) return;
      var copy = title.cloneNode(true);
      copy.querySelectorAll("button").forEach(function (b) {
        b.remove();
      });
      var name = textOf(copy);
      if (name) setAttr(button, "aria-label", name);
      var icon = button.querySelector("svg");
      if (icon) setAttr(icon, "aria-hidden", "true");
    });
  }

  // ------------------------------------------------------------------------------------------
  // 2. Regions that scroll sideways can be reached and scrolled from the keyboard
  // ------------------------------------------------------------------------------------------

  // The theme does this for code blocks when the page loads, not for code inside a solution
  // opened later, nor for formulas (display math scrolls sideways, see course.css).
  function markScrollables() {
    var main = document.getElementById("main-content") || document.body;
    var wide = 'pre, mjx-container[display="true"], .pst-scrollable-table-container';
    main.querySelectorAll(wide).forEach(function (el) {
      if (el.closest(".widget-subarea")) return;
      var shown = el.offsetParent !== null && getComputedStyle(el).visibility !== "hidden";
      var scrolls = shown && el.scrollWidth > el.clientWidth + 1;
      if (scrolls && el.tabIndex !== 0) {
        el.tabIndex = 0;
        el.dataset.courseScrolls = "";
      } else if (!scrolls && "courseScrolls" in el.dataset) {
        el.tabIndex = -1;
        delete el.dataset.courseScrolls;
      }
    });
  }

  var markLater = (function () {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(markScrollables, 150);
    };
  })();

  // ------------------------------------------------------------------------------------------
  // 3. Interactive figures
  // ------------------------------------------------------------------------------------------

  // The frame a control drives: the first frame after it on the page (chapter 4 shows a fixed
  // frame, the kernel and its rotation, above its controls).
  function frameAfter(root, el) {
    var frames = root.querySelectorAll("figure.course-frame");
    for (var k = 0; k < frames.length; k++) {
      if (el.compareDocumentPosition(frames[k]) & Node.DOCUMENT_POSITION_FOLLOWING) {
        return frames[k];
      }
    }
    return frames.length ? frames[frames.length - 1] : null;
  }

  // A frame's state in a few words: its caption's first clause ("Step 3 of 9, 3×3 kernel",
  // "Output 2 of 9, 3×3 kernel", "With a 3×3 kernel, I(3,0) affects Ŷ rows 1–2, column 0").
  function shortState(frame) {
    if (!frame) return "";
    var caption = textOf(frame.querySelector(".course-caption"));
    var match = caption.match(/^(.*?)(?::\s|\.\s|\.$)/);
    var short = match ? match[1] : caption;
    return short.length > 100 ? short.slice(0, 100).replace(/\s+\S*$/, "") + "…" : short;
  }

  function valueText(readout, frame) {
    var state = shortState(frame);
    if (!state) return readout;
    if (!readout) return state;
    if (!/^[-\d.]+$/.test(readout) && state.indexOf(readout) >= 0) return state;
    return readout + ": " + state;
  }

  function isPlaying(root) {
    return root.querySelector(".widget-play .fa-pause") !== null;
  }

  var memory = new WeakMap(); // widget root -> {caption: last caption seen}

  function enhanceWidget(root) {
    var widget = root.querySelector(".jupyter-widgets");
    if (!widget) return;
    var state = memory.get(root);
    if (!state) {
      // The live region speaks of changes the reader makes (a key, a click, a tap on Play),
      // not of the figure being drawn as the page loads.
      state = { caption: null, armed: false };
      memory.set(root, state);
      ["keydown", "pointerdown", "click"].forEach(function (type) {
        root.addEventListener(
          type,
          function () {
            state.armed = true;
          },
          true
        );
      });
    }

    // The figure as a group named by its title.
    var title = root.querySelector(".course-widget-title");
    if (title) {
      setAttr(root, "role", "group");
      setAttr(root, "aria-labelledby", idOf(title, "widget-title"));
    }

    // Play / Pause, Stop, Repeat: icon-only buttons.
    root.querySelectorAll(".widget-play").forEach(function (play) {
      var buttons = play.querySelectorAll("button");
      if (buttons.length < 2) return;
      var playing = buttons[0].querySelector(".fa-pause") !== null;
      var names = [playing ? "Pause" : "Play", "Stop (back to the start)", "Repeat"];
      for (var k = 0; k < buttons.length && k < 3; k++) {
        setAttr(buttons[k], "aria-label", names[k]);
        setAttr(buttons[k], "title", names[k]);
        var icon = buttons[k].querySelector("i");
        if (icon) setAttr(icon, "aria-hidden", "true");
      }
      if (buttons[2]) {
        setAttr(buttons[2], "aria-pressed", String(buttons[2].classList.contains("mod-active")));
      }
    });

    // Kernel-size buttons: a named group of toggle buttons that say which one is pressed.
    var chosen = [];
    root.querySelectorAll(".widget-toggle-buttons").forEach(function (group) {
      var label = group.querySelector(":scope > .widget-label");
      var box = group.querySelector(":scope > div");
      if (box) {
        setAttr(box, "role", "group");
        if (label && textOf(label)) setAttr(box, "aria-labelledby", idOf(label, "label"));
      }
      group.querySelectorAll("button").forEach(function (button) {
        var on = button.classList.contains("mod-active");
        setAttr(button, "aria-pressed", String(on));
        var icon = button.querySelector("i");
        if (icon) setAttr(icon, "aria-hidden", "true");
        if (on) chosen.push({ label: textOf(label).replace(/:$/, ""), value: textOf(button) });
      });
    });

    // Sliders: the handle (role=slider, a <div>) is named by the slider's visible label, and its
    // value is said in words; the editable readout beside it is named too.
    var settings = [];
    root.querySelectorAll(".widget-slider").forEach(function (slider) {
      var label = slider.querySelector(":scope > .widget-label");
      var handle = slider.querySelector('[role="slider"]');
      var readout = slider.querySelector(".widget-readout");
      var name = textOf(label);
      if (handle) {
        if (name) {
          setAttr(handle, "aria-labelledby", idOf(label, "label"));
        } else {
          setAttr(handle, "aria-label", "frame");
        }
        var frame = frameAfter(root, slider);
        var value = textOf(readout) || (frame && frame.dataset.label) || "";
        setAttr(handle, "aria-valuetext", valueText(value, frame));
      }
      if (readout) {
        setAttr(readout, "role", "textbox");
        setAttr(readout, "aria-label", (name || "frame") + ", value (type to change)");
      }
      settings.push({ label: name, value: textOf(readout) });
    });

    // What a printed page shows in place of the controls: their settings, in words.
    var printed = root.querySelector(":scope > .course-print-state");
    if (!printed) {
      printed = document.createElement("p");
      printed.className = "course-print-state";
      root.appendChild(printed);
    }
    // "kernel w: 3×3; i′ = 2; j′ = 2", "output: Ŷ(1,2)".
    var words = chosen
      .concat(settings)
      .filter(function (s) {
        return s.value;
      })
      .map(function (s) {
        if (!s.label) return s.value;
        return s.label + (/^[-\d.]+$/.test(s.value) ? " = " : ": ") + s.value;
      })
      .join("; ");
    if (printed.textContent !== (words ? "Shown: " + words + "." : "")) {
      printed.textContent = words ? "Shown: " + words + "." : "";
    }

    // The live region: the new frame's caption when it changes (while playing, its short form).
    var live = root.querySelector(":scope > .course-live");
    if (!live) {
      live = document.createElement("div");
      live.className = "course-live course-sr-only";
      live.setAttribute("role", "status");
      live.setAttribute("aria-live", "polite");
      live.setAttribute("aria-atomic", "true");
      root.appendChild(live);
    }
    var frames = root.querySelectorAll("figure.course-frame");
    var current = frames.length ? frames[frames.length - 1] : null;
    var caption = current ? textOf(current.querySelector(".course-caption")) : "";
    if (!state.armed || !state.caption) {
      state.caption = caption; // drawn as the page loads: on the page already, nothing to say
    } else if (caption && caption !== state.caption) {
      state.caption = caption;
      var say = isPlaying(root) ? shortState(current) : caption;
      if (live.textContent !== say) live.textContent = say;
    }
  }

  function watchWidgets() {
    var views = 'script[type="application/vnd.jupyter.widget-view+json"]';
    document.querySelectorAll(views).forEach(function (view) {
      var output = view.parentElement;
      if (!output) return;
      var run = function () {
        output.querySelectorAll(":scope > .widget-subarea").forEach(enhanceWidget);
      };
      new MutationObserver(run).observe(output, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ["class", "aria-valuetext", "aria-valuenow"],
      });
      run();
    });
  }

  function start() {
    // After the theme's and sphinx-togglebutton's own DOMContentLoaded work.
    setTimeout(fixThemeButtons, 0);
    watchWidgets();
    markScrollables();
    window.addEventListener("resize", markLater);
    // Solutions (sphinx-togglebutton) and folded code (<details>) opened or closed.
    document.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest(".toggle, details")) markLater();
    });
    document.addEventListener("toggle", markLater, true);
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) mj.startup.promise.then(markScrollables);
    window.addEventListener("load", markLater);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
