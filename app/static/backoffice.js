/* Accessibility and language fixes around FAB's widgets (loaded after select2, before
   FAB's ab.js initialises them). Texts come from the page (data-i18n-* on <body>). */
(function ($) {
  "use strict";
  var body = document.body.dataset;
  var original = $.fn.select2;

  function labelFor(el) {
    return el.id ? document.querySelector('label[for="' + el.id + '"]') : null;
  }

  // select2 hides the <select>: give its combobox, text box and search field the
  // label of the original control (WCAG 4.1.2) and keep its list markup valid.
  function nameWidget(el) {
    var $container = $(el).next(".select2");
    if (!$container.length) { return; }
    var label = labelFor(el);
    var text = label ? label.textContent.replace(/\*|\(.*\)/g, "").trim() : (el.getAttribute("aria-label") || body.i18nSelect);
    if (label && !label.id) { label.id = el.id + "-label"; }
    var $selection = $container.find(".select2-selection");
    var $rendered = $container.find(".select2-selection__rendered");
    if (label) {
      $selection.attr("aria-labelledby", label.id + ($rendered.attr("id") ? " " + $rendered.attr("id") : ""));
      if ($rendered.is("span")) { $rendered.attr("aria-labelledby", label.id); }
    } else {
      $selection.attr("aria-label", text);
      $rendered.attr("aria-label", text);
    }
    if ($rendered.is("ul")) { $rendered.attr("role", "list"); }
    $container.find(".select2-search__field").attr("aria-label", text);
  }

  $.fn.select2 = function (options) {
    if (options && typeof options === "object" && /^Select/.test(options.placeholder || "")) {
      options = $.extend({}, options, {placeholder: body.i18nSelect || ""});
      arguments[0] = options;
    }
    var result = original.apply(this, arguments);
    if (options === undefined || typeof options === "object") { this.each(function () { nameWidget(this); }); }
    return result;
  };
  $.extend($.fn.select2, original);

  $(function () {
    // Date pickers: the field says the format it expects.
    $(".appbuilder_datetime input, input.appbuilder_datetime, .appbuilder_date input, input.appbuilder_date").each(function () {
      if (!this.getAttribute("placeholder")) { this.setAttribute("placeholder", body.i18nDateFormat || ""); }
    });
    // Row boxes of list widgets FAB renders itself (roles, link lists) get a name too.
    $("input.action_check_all:not([aria-label])").attr("aria-label", body.i18nSelectAll || "");
    $("input.action_check:not([aria-label])").each(function (i) {
      this.setAttribute("aria-label", (body.i18nSelectRow || "") + " " + (i + 1));
    });
  });
})(jQuery);
