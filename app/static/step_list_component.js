// Streamlit Components v2 module: the tour's list of steps (in the sidebar). Titles are author
// text, so they are written with textContent, never as HTML or Markdown. A click moves the map
// in the browser at once (window.storymap.goTo); the map frame's storymap:step event then
// brings the step to Python, exactly as a key press does. The current step is marked with
// aria-current, following storymap:step events.
function mark(root, step) {
  root.querySelectorAll("button[data-step]").forEach((button) => {
    if (Number(button.dataset.step) === step) button.setAttribute("aria-current", "step");
    else button.removeAttribute("aria-current");
  });
}

function build(root, data) {
  root.textContent = "";
  root.dataset.key = data.key;
  root.lang = data.lang;  // the story's language and direction
  root.dir = data.dir;
  const nav = document.createElement("nav");
  nav.setAttribute("aria-label", data.heading);
  const heading = document.createElement("p");
  heading.className = "sm-step-list-heading";
  heading.setAttribute("aria-hidden", "true");  // the list's name already says it
  heading.textContent = data.heading;
  const list = document.createElement("ol");
  data.titles.forEach((title, index) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.step = String(index);
    button.textContent = `${index + 1}. ${title}`;
    button.addEventListener("click", () => {
      const api = window.storymap;
      if (api && api.ready !== false) api.goTo(index, { source: "list" });
    });
    item.appendChild(button);
    list.appendChild(item);
  });
  nav.append(heading, list);
  root.appendChild(nav);
}

export default function (component) {
  const { data, parentElement } = component;
  if (!data || !Array.isArray(data.titles)) return;
  let root = parentElement.querySelector(".sm-step-list");
  if (!root) {
    root = document.createElement("div");
    root.className = "sm-step-list";
    parentElement.appendChild(root);
  }
  if (!window.__storymapStepList) {
    // One listener for the page, whichever list is mounted now.
    window.__storymapStepList = true;
    const follow = () => document.querySelectorAll(".sm-step-list").forEach((list) => mark(list, window.storymap.step));
    window.addEventListener("storymap:step", follow);
    window.addEventListener("storymap:ready", follow);
  }
  if (root.dataset.key !== data.key) build(root, data);
  mark(root, window.storymap && window.storymap.ready ? window.storymap.step : data.current);
}
