// Target sheet form: live totals of the annual indicators' weights by level 1 (no inline scripts: CSP).
(function () {
  function update(form) {
    const totals = {};
    form.querySelectorAll("[data-indicator-row]").forEach(function (row) {
      const horizon = row.querySelector("[data-role=horizon] select");
      const level1 = row.querySelector("[data-role=level1] select");
      const weight = row.querySelector("[data-role=weight] input");
      const del = row.querySelector("[data-role=delete] input");
      if (!horizon || !level1 || !weight || (del && del.checked) || horizon.value !== "annual") { return; }
      let group = level1.value;
      if (group === "cost" && !form.querySelector("[data-weight-group=cost]")) { group = "output"; }
      totals[group] = (totals[group] || 0) + (parseFloat(weight.value) || 0);
    });
    form.querySelectorAll("[data-weight-group]").forEach(function (badge) {
      const value = Math.round((totals[badge.getAttribute("data-weight-group")] || 0) * 100) / 100;
      const required = parseFloat(badge.getAttribute("data-weight-required"));
      badge.querySelector("[data-weight-total]").textContent = value;
      badge.classList.toggle("bg-green-lt", value === required);
      badge.classList.toggle("bg-red-lt", value !== required);
      badge.classList.remove("bg-secondary-lt");
    });
  }
  document.querySelectorAll("[data-weight-form]").forEach(function (form) {
    form.addEventListener("input", function () { update(form); });
    form.addEventListener("change", function () { update(form); });
    update(form);
  });
})();

// Optional picker from the indicator library: fills the first empty indicator row (data-pick-url on the form).
(function () {
  const LEVEL1 = {"产出": "output", "成本": "cost", "效益": "effect", "满意度": "satisfaction"};
  const LEVEL2 = {"数量": "quantity", "质量": "quality", "时效": "timeliness", "成本": "output_cost",
    "经济成本": "economic_cost", "社会成本": "social_cost", "生态环境成本": "eco_cost", "经济效益": "economic_benefit",
    "社会效益": "social_benefit", "生态效益": "eco_benefit", "可持续影响": "sustainable", "服务对象满意度": "service_satisfaction"};
  const DIRECTION = {positive: "ge", negative: "le", exact: "eq", qualitative: "qualitative"};
  document.querySelectorAll("[data-pick-url]").forEach(function (form) {
    const input = form.querySelector("[data-pick-query]");
    const list = form.querySelector("[data-pick-results]");
    if (!input || !list) { return; }
    function set(row, name, value) {
      const el = row.querySelector("[name$='-" + name + "']");
      if (el && value !== undefined && value !== null) { el.value = value; }
    }
    function fill(item) {
      const rows = Array.prototype.slice.call(form.querySelectorAll("[data-indicator-row]"));
      let row = rows.find(function (r) { const n = r.querySelector("[name$='-name']"); return n && !n.value; });
      const add = document.getElementById("add-indicator-row");
      if (!row && add) {  // no blank row left: add one in the page (issue 12 §7), no save needed
        add.click();
        const all = form.querySelectorAll("[data-indicator-row]");
        row = all[all.length - 1];
      }
      if (!row) { return; }
      set(row, "level1", LEVEL1[item.level1] || "");
      set(row, "level2", LEVEL2[item.level2] || "");
      set(row, "name", item.name);
      set(row, "unit", item.unit || "");
      set(row, "comparator", DIRECTION[item.direction] || "ge");
      set(row, "library_indicator", item.id);
      form.dispatchEvent(new Event("change"));
    }
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      event.preventDefault();
      fetch(form.getAttribute("data-pick-url") + "?format=json&q=" + encodeURIComponent(input.value), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          list.innerHTML = "";
          (data.results || []).forEach(function (item) {
            const button = document.createElement("button");
            button.type = "button";
            button.className = "list-group-item list-group-item-action";
            button.textContent = item.code + " " + item.level1 + "/" + item.level2 + "/" + item.name + (item.unit ? "（" + item.unit + "）" : "");
            button.addEventListener("click", function () { fill(item); });
            list.appendChild(button);
          });
          if (!list.children.length) { list.textContent = "没有匹配的指标"; }
        });
    });
  });
})();
