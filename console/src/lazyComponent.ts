// Components loaded on first use (one chunk each), like React.lazy, that can also be loaded ahead
// (`preload`). Once loaded, one draws at once instead of suspending: React holds a newly shown
// Suspense boundary's content back for 300 ms, which a component already here need not wait.
import { createElement, lazy, type ComponentType } from "react";

export type LazyComponent<P extends object> = ComponentType<P> & { preload: () => Promise<ComponentType<P>> };

export function lazyComponent<P extends object>(load: () => Promise<ComponentType<P>>): LazyComponent<P> {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  const preload = () =>
    (pending ??= load().then((component) => {
      loaded = component;
      return component;
    }));
  const Suspending = lazy(() => preload().then((component) => ({ default: component })));
  function Component(props: P) {
    return createElement(loaded ?? Suspending, props);
  }
  return Object.assign(Component, { preload });
}
