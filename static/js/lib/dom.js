// DOM helpers shared by every page script. User text always goes in through textContent (or
// a text node), never innerHTML.

export const $ = (id) => document.getElementById(id);

// el("li", {class: "chat", "data-id": id, text: "…"}, child, " ", child)
//   class -> className, text -> textContent, on -> {event: listener}, dataset -> node.dataset;
//   a name the element has as a property is set as one (type, value, checked, dateTime …),
//   anything else (data-*, aria-*) as an attribute. null/undefined children are skipped.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k === "on") for (const [event, fn] of Object.entries(v)) node.addEventListener(event, fn);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k in node) node[k] = v;
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

// The page-wide "offline" marker (styles grey out live values while a socket is down).
export function setOffline(offline) {
  document.body.classList.toggle("offline", offline);
}
