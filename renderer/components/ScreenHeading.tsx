import { useEffect, useRef, type ReactNode } from 'react';

/**
 * Each screen's h1. It takes focus when the screen mounts, so keyboard and screen-reader users land at the top of
 * the new screen instead of on a nav link or, worse, on the body after the previous screen's button vanished.
 */
export function ScreenHeading({ children, id }: { children: ReactNode; id?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} id={id} tabIndex={-1} className="screen-heading">
      {children}
    </h1>
  );
}
