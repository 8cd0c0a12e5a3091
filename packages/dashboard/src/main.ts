// The dashboard's entry: mounts the app into the page the API Worker serves at `/`.
import { h, render } from "preact";
import { App } from "./app.ts";
import "./styles.css";

const root = document.getElementById("app");
if (!root) throw new Error("the page has no #app element");
render(h(App, null), root);
