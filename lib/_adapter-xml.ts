import { IConstruct } from 'constructs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, propError } from './kit/checks';

const INTERCEPTOR_CLASSES = ['message-metrics-interceptor', 'com.adaptris.core.interceptor.MessageMetricsInterceptor'];

/**
 * The metric names an adapter.xml makes Interlok push: the unique-id (dashes removed) of every
 * message-metrics-interceptor, and for a workflow without one the default interceptor Interlok adds, named after
 * the workflow (unless `disable-default-message-count` is true).
 */
export function parseMetricNames(scope: IConstruct, xml: string): string[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw propError(
      scope,
      'config.adapterXml',
      `${xml.slice(0, 40)}...`,
      `well-formed XML (line ${valid.err.line}: ${valid.err.msg})`,
    );
  }
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    isArray: (_n, _p, _l, isAttribute) => !isAttribute,
  }).parse(xml);
  const text = (node: any, key: string): string | undefined => {
    const v = node?.[key]?.[0];
    return typeof v === 'string' ? v.trim() : undefined;
  };
  const seen = new Map<string, string>();
  const interceptorsIn = (node: unknown): string[] => {
    const ids: string[] = [];
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (n === null || typeof n !== 'object') return;
      for (const [key, value] of Object.entries(n)) {
        if (key.startsWith('@')) continue;
        for (const el of value as any[]) {
          const explicit =
            key === 'message-metrics-interceptor' ||
            (key === 'interceptor' && INTERCEPTOR_CLASSES.includes(el?.['@class']));
          if (explicit) {
            const id = text(el, 'unique-id');
            if (id === undefined) {
              throw propError(
                scope,
                'config.adapterXml',
                describe(el),
                'a <unique-id> in every <message-metrics-interceptor>: it becomes the metric name',
              );
            }
            const metric = id.replace(/-/g, '');
            if (seen.has(metric)) {
              const other = seen.get(metric)!;
              throw propError(
                scope,
                'config.adapterXml',
                id,
                `a unique-id of one message-metrics-interceptor only (${other === id ? 'it is used twice' : `"${other}" pushes the same metric`}): two interceptors would push one metric and overwrite each other`,
              );
            }
            seen.set(metric, id);
            ids.push(id);
          }
          walk(el);
        }
      }
    };
    walk(node);
    return ids;
  };
  const ids: string[] = [];
  let workflows = 0;
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (n === null || typeof n !== 'object') return;
    for (const [key, value] of Object.entries(n)) {
      if (key.startsWith('@')) continue;
      if (key !== 'workflow-list') {
        walk(value);
        continue;
      }
      for (const list of value as any[]) {
        for (const [wfKey, wfs] of Object.entries(list ?? {})) {
          if (wfKey.startsWith('@')) continue;
          for (const wf of wfs as any[]) {
            workflows++;
            const explicit = interceptorsIn(wf);
            const defaultId = text(wf, 'unique-id');
            if (explicit.length) ids.push(...explicit);
            else if (defaultId && text(wf, 'disable-default-message-count') !== 'true') ids.push(defaultId);
          }
        }
      }
    }
  };
  walk(doc);
  if (workflows === 0) ids.push(...interceptorsIn(doc));
  return ids.map((id) => id.replace(/-/g, ''));
}

export function checkBootstrap(scope: IConstruct, properties: string): void {
  const line = properties
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => /^managementComponents\s*[=:]/.test(l));
  const components = line ? line.replace(/^managementComponents\s*[=:]\s*/, '').split(':') : [];
  if (!components.includes('kubernetes-metrics')) {
    throw propError(
      scope,
      'config.bootstrapProperties',
      line ?? '(no managementComponents)',
      'managementComponents to include kubernetes-metrics, the component that pushes MessageMetrics',
    );
  }
}
