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

// Filling an indicator row of the sheet form in the page (issue 12 §7): the first row with no name, or a row added
// by 添加行 when none is blank; nothing is saved until the form is. Used by the library picker and by 指标推荐.
function jxFillIndicatorRow(form, values) {
  const rows = Array.prototype.slice.call(form.querySelectorAll("[data-indicator-row]"));
  let row = rows.find(function (r) { const n = r.querySelector("[name$='-name']"); return n && !n.value; });
  const add = document.getElementById("add-indicator-row");
  if (!row && add) {
    add.click();
    const all = form.querySelectorAll("[data-indicator-row]");
    row = all[all.length - 1];
  }
  if (!row) { return null; }
  Object.keys(values).forEach(function (name) {
    const el = row.querySelector("[name$='-" + name + "']");
    if (el && values[name] !== undefined && values[name] !== null) { el.value = values[name]; }
  });
  form.dispatchEvent(new Event("change"));
  return row;
}

// Optional picker from the indicator library: fills an indicator row (data-pick-url on the form).
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
    function fill(item) {
      jxFillIndicatorRow(form, {
        level1: LEVEL1[item.level1] || "", level2: LEVEL2[item.level2] || "", name: item.name, unit: item.unit || "",
        comparator: DIRECTION[item.direction] || "ge", library_indicator: item.id
      });
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

// 指标推荐 added in place (issue 12 §7): the suggestion's values (data-fill-indicator, JSON) go into a row of the
// form on this page; the preparer sets the weight and saves with the rest, and nothing typed is lost.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-fill-indicator]");
  if (!button) { return; }
  const form = document.getElementById("target-sheet-form");
  if (!form) { return; }
  const values = JSON.parse(button.getAttribute("data-fill-indicator"));
  const taken = Array.prototype.some.call(form.querySelectorAll("[data-indicator-row] [name$='-name']"), function (el) {
    return el.value.replace(/\s/g, "") === String(values.name).replace(/\s/g, "");
  });
  const row = taken ? null : jxFillIndicatorRow(form, values);
  button.disabled = true;
  button.textContent = taken ? "表中已有" : "已加入表格";
  if (row) {
    row.classList.add("table-info");
    const weight = row.querySelector("[name$='-weight']");
    if (weight) { weight.focus(); }
  }
});
