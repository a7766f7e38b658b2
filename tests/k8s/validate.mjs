// Validates Kubernetes objects against the API's schemas (npm kubernetes-models, Kubernetes
// 1.27) and prometheus-operator's (npm @kubernetes-models/prometheus-operator), pinned in
// package-lock.json. Called by check_k8s.py.
//
//   node validate.mjs FILE.yaml...
//
// Prints one JSON line: {"validated": [...], "errors": [...], "unknown": [...]}, where unknown
// lists the objects of API groups neither package models (check_k8s.py checks those itself).
// The schemas check types, required fields, enums and formats; like the API's OpenAPI schemas,
// they do not reject fields they do not know.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const packages = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator/monitoring.coreos.com",
};

async function modelOf(apiVersion, kind) {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  let module;
  if (group in packages) {
    module = `${packages[group]}/${version}`;
  } else if (group === "" || group.indexOf(".") < 0 || group.endsWith(".k8s.io")) {
    module = group === "" ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`;
  } else {
    return null;
  }
  let exports;
  try {
    exports = await import(module);
  } catch {
    return undefined;  // a Kubernetes group or version the package does not have
  }
  return exports[kind] ?? undefined;
}

const result = { validated: [], errors: [], unknown: [] };
for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (document.errors.length > 0) {
      result.errors.push(`${file}: ${document.errors[0].message}`);
      continue;
    }
    const object = document.toJS();
    if (object === null) continue;
    const name = `${file}: ${object.kind} ${object.metadata?.name ?? object.metadata?.generateName}`;
    const model = await modelOf(String(object.apiVersion ?? ""), String(object.kind ?? ""));
    if (model === null) {
      result.unknown.push({ file, apiVersion: object.apiVersion, kind: object.kind,
                            name: object.metadata?.name ?? object.metadata?.generateName });
      continue;
    }
    if (model === undefined) {
      result.errors.push(`${name}: no schema for apiVersion ${object.apiVersion} kind ${object.kind}`);
      continue;
    }
    try {
      new model(object).validate();
      result.validated.push(name);
    } catch (error) {
      result.errors.push(`${name}: ${error.message}`);
    }
  }
}
console.log(JSON.stringify(result));
