// Streamlit Components v2 module: author mode's problems beside the map. Every message is
// author data (file names, step titles, YAML), so it is written with textContent only. A
// problem that belongs to a step has a button that moves the live map there; the step's text
// follows through the map frame's usual step trigger.
function goToStep(index) {
  const api = window.storymap;
  if (api && typeof api.goTo === "function") api.goTo(index, { source: "button" });
}

function item(problem) {
  const li = document.createElement("li");
  li.className = `sm-problem sm-problem-${problem.severity === "warning" ? "warning" : "error"}`;
  li.setAttribute("data-testid", "storymap-problem");
  const where = document.createElement("code");
  where.className = "sm-problem-where";
  where.textContent = problem.where;
  const kind = document.createElement("span");
  kind.className = "sm-problem-kind";
  kind.textContent = problem.severity === "warning" ? "warning" : "error";
  const message = document.createElement("span");
  message.className = "sm-problem-message";
  message.textContent = problem.message;
  li.append(where, " ", kind, " ", message);
  if (typeof problem.step === "number") {
    const go = document.createElement("button");
    go.type = "button";
    go.className = "sm-problem-step";
    go.textContent = problem.step_label;
    go.addEventListener("click", () => goToStep(problem.step));
    li.append(" ", go);
  }
  return li;
}

export default function (component) {
  const { data, parentElement } = component;
  if (!data) return;
  let root = parentElement.querySelector(".sm-problems");
  if (!root) {
    root = document.createElement("section");
    root.className = "sm-problems";
    root.setAttribute("data-testid", "storymap-problems");
    root.setAttribute("aria-label", "Problems in the story");
    parentElement.appendChild(root);
  }
  root.classList.toggle("sm-problems-broken", !!data.broken);
  root.textContent = "";
  const status = document.createElement("p");
  status.className = "sm-problems-status";
  status.setAttribute("role", "status");
  status.setAttribute("data-testid", "storymap-author-status");
  status.textContent = data.status;
  root.append(status);
  if (data.problems && data.problems.length) {
    const list = document.createElement("ul");
    list.className = "sm-problem-list";
    data.problems.forEach((problem) => list.append(item(problem)));
    root.append(list);
  }
}
