import {
  useCallback,
  useEffect,
  useImperativeHandle,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
  type RefObject,
} from 'react';

/** What the owner of a list can ask of it. */
export interface VirtualListControls {
  /** Scrolls to the newest item and keeps the list pinned there (Jump to newest). */
  scrollToEnd(): void;
}

export interface VirtualListProps<T> {
  readonly items: readonly T[];
  readonly itemKey: (item: T) => string;
  readonly renderItem: (item: T, index: number) => ReactNode;
  /** Height assumed for an item not measured yet. */
  readonly estimatedHeight?: number;
  /** Extra pixels rendered above and below the visible area. */
  readonly overscan?: number;
  /** Called when the reader scrolls near the top (load older messages). */
  readonly onReachTop?: () => void;
  /** Whether the view shows the newest item; reported as it changes. */
  readonly onAtBottomChange?: (atBottom: boolean) => void;
  readonly className?: string;
  readonly label: string;
  readonly controls?: RefObject<VirtualListControls | null>;
}

const BOTTOM_SLACK = 24;
/** How long after a wheel turn, touch or key a scroll still counts as the reader's (smooth scrolling runs on). */
const READER_SCROLL_MS = 1000;

function measuredSum(heights: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const height of heights.values()) sum += height;
  return sum;
}

/**
 * A windowed list for long timelines: only the items in (and near) the viewport exist in the DOM, each measured
 * once it renders (ResizeObserver, so an image preview that loads later still counts), with spacers standing in
 * for the rest. It sticks to the bottom while the reader is there, and keeps the reader's place when older items
 * are added above. 10,000 messages cost 10,000 numbers, not 10,000 DOM nodes.
 */
export function VirtualList<T>(props: VirtualListProps<T>) {
  const { items, itemKey, renderItem, estimatedHeight = 56, overscan = 600, onReachTop, onAtBottomChange } = props;
  const viewport = useRef<HTMLDivElement | null>(null);
  const [heights, setHeights] = useState<ReadonlyMap<string, number>>(() => new Map());
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportHeight, setViewportHeight] = useState(0);
  const atBottom = useRef(true);
  /** The same, as state, for what is rendered (handlers read the ref, which is current between renders). */
  const [pinned, setPinned] = useState(true);
  /** Where the list was last seen scrolled to: only a move up (the reader's) unpins it from the bottom. */
  const lastTop = useRef(0);
  /** How tall its content was then: a move up while the content changed may be the browser's, not the reader's. */
  const lastHeight = useRef(0);
  /** When the reader last used the wheel, touch, a key or the pointer on the list (scrollbar drags included). */
  const readerActedAt = useRef(Number.NEGATIVE_INFINITY);
  const pointerDown = useRef(false);
  const anchor = useRef<{ key: string; offset: number } | null>(null);

  const keys = items.map(itemKey);
  // Rows not measured yet are guessed at the measured rows' mean: grouped messages are far shorter than the first of
  // a group, and a guess that is off for thousands of rows moves everything under the reader as they get measured.
  const guess = heights.size === 0 ? estimatedHeight : Math.max(1, Math.round(measuredSum(heights) / heights.size));
  const offsets: number[] = [];
  let total = 0;
  for (const key of keys) {
    offsets.push(total);
    total += heights.get(key) ?? guess;
  }

  // Pinned to the bottom, the window is the end, whatever scroll event is still on its way: a resize moves
  // scrollTop before the browser reports it, and the newest rows must not leave the page (and come back new) meanwhile.
  const windowTop = pinned ? Math.max(scrollTop, total - viewportHeight) : scrollTop;
  let first = 0;
  while (first < keys.length - 1 && (offsets[first + 1] ?? 0) < windowTop - overscan) first += 1;
  let last = first;
  while (last < keys.length - 1 && (offsets[last] ?? 0) < windowTop + viewportHeight + overscan) last += 1;

  const observer = useRef<ResizeObserver | null>(null);
  useEffect(() => {
    observer.current = new ResizeObserver((entries) => {
      const sizes = entries.flatMap((entry) => {
        const key = (entry.target as HTMLElement).dataset.key;
        const height = Math.ceil(entry.borderBoxSize[0]?.blockSize ?? entry.contentRect.height);
        return key === undefined ? [] : [[key, height] as const];
      });
      setHeights((previous) => {
        if (sizes.every(([key, height]) => previous.get(key) === height)) return previous;
        const next = new Map(previous);
        for (const [key, height] of sizes) next.set(key, height);
        return next;
      });
    });
    return () => observer.current?.disconnect();
  }, []);

  // Each row is watched while it is in the page and let go when it leaves: a ResizeObserver holding every row ever
  // shown made each frame's check grow with the history scrolled through.
  const measure = useCallback((element: HTMLDivElement | null) => {
    if (element === null) return;
    const watching = observer.current;
    watching?.observe(element);
    return () => watching?.unobserve(element);
  }, []);

  // Before paint: keep the bottom pinned, or keep the first visible item where it was when items came in above it.
  useLayoutEffect(() => {
    const element = viewport.current;
    if (element === null) return;
    if (atBottom.current) {
      element.scrollTop = element.scrollHeight;
    } else if (anchor.current !== null) {
      const index = keys.indexOf(anchor.current.key);
      if (index !== -1) element.scrollTop = (offsets[index] ?? 0) + anchor.current.offset;
    }
    lastTop.current = element.scrollTop;
    lastHeight.current = element.scrollHeight;
    setScrollTop(element.scrollTop);
    // offsets and keys derive from items and measurements, which are these dependencies.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [items, heights]);

  useEffect(() => {
    const element = viewport.current;
    if (element === null) return;
    const resize = new ResizeObserver(() => {
      // A window made smaller keeps scrollTop and so would leave the newest messages below the fold.
      if (atBottom.current) {
        element.scrollTop = element.scrollHeight;
        lastTop.current = element.scrollTop;
        lastHeight.current = element.scrollHeight;
      }
      setViewportHeight(element.clientHeight);
      setScrollTop(element.scrollTop);
    });
    resize.observe(element);
    setViewportHeight(element.clientHeight);
    return () => resize.disconnect();
  }, []);

  // A scrollbar drag can end outside the list, so the release is heard on the window.
  useEffect(() => {
    const released = () => {
      if (!pointerDown.current) return;
      pointerDown.current = false;
      readerActedAt.current = performance.now();
    };
    window.addEventListener('pointerup', released);
    window.addEventListener('pointercancel', released);
    return () => {
      window.removeEventListener('pointerup', released);
      window.removeEventListener('pointercancel', released);
    };
  }, []);

  useImperativeHandle(
    props.controls,
    () => ({
      scrollToEnd() {
        const element = viewport.current;
        if (element === null) return;
        atBottom.current = true;
        setPinned(true);
        element.scrollTop = element.scrollHeight;
        onAtBottomChange?.(true);
      },
    }),
    [onAtBottomChange],
  );

  function onScroll(): void {
    const element = viewport.current;
    if (element === null) return;
    setScrollTop(element.scrollTop);
    // Rows measured shorter than their guess shrink the content, and the browser pulls scrollTop up with it; that
    // scroll event can arrive after newer rows made the content taller again, so it looks like the reader leaving
    // the bottom. A move up while the content changed counts only if the reader was scrolling just then.
    const readerScrolling = pointerDown.current || performance.now() - readerActedAt.current < READER_SCROLL_MS;
    const movedUp =
      element.scrollTop < lastTop.current - 1 && (element.scrollHeight === lastHeight.current || readerScrolling);
    lastTop.current = element.scrollTop;
    lastHeight.current = element.scrollHeight;
    // Content that grew below (an image that finished loading) is not the reader leaving the bottom.
    const bottom =
      element.scrollHeight - element.scrollTop - element.clientHeight <= BOTTOM_SLACK || (atBottom.current && !movedUp);
    if (bottom !== atBottom.current) {
      atBottom.current = bottom;
      setPinned(bottom);
      onAtBottomChange?.(bottom);
    }
    let index = 0;
    while (index < keys.length - 1 && (offsets[index + 1] ?? 0) <= element.scrollTop) index += 1;
    const key = keys[index];
    anchor.current = key === undefined ? null : { key, offset: element.scrollTop - (offsets[index] ?? 0) };
    if (element.scrollTop < 200) onReachTop?.();
  }

  useEffect(() => {
    onAtBottomChange?.(atBottom.current);
    // Once, so the owner knows the initial state.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const readerActed = () => {
    readerActedAt.current = performance.now();
  };

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>): void {
    readerActed();
    const element = viewport.current;
    if (element === null || event.target !== element) return;
    if (event.key === 'Home') element.scrollTop = 0;
    else if (event.key === 'End') element.scrollTop = element.scrollHeight;
    else return;
    event.preventDefault();
  }

  const top = offsets[first] ?? 0;
  const bottomSpace = keys.length === 0 ? 0 : total - ((offsets[last] ?? 0) + (heights.get(keys[last] ?? '') ?? guess));

  return (
    <div
      ref={viewport}
      className={props.className}
      role="log"
      aria-label={props.label}
      aria-live="polite"
      tabIndex={0}
      onScroll={onScroll}
      onKeyDown={onKeyDown}
      onWheel={readerActed}
      onTouchMove={readerActed}
      onPointerDown={() => {
        pointerDown.current = true;
        readerActed();
      }}
    >
      {/* Bottom-aligned like a chat: a short timeline sits just above the composer, not at the top. */}
      <div className="virtual-list-content">
        <div style={{ height: top }} aria-hidden="true" />
        {items.slice(first, last + 1).map((item, offset) => {
          const key = keys[first + offset] ?? '';
          return (
            <div key={key} data-key={key} ref={measure}>
              {renderItem(item, first + offset)}
            </div>
          );
        })}
        <div style={{ height: Math.max(0, bottomSpace) }} aria-hidden="true" />
      </div>
    </div>
  );
}
