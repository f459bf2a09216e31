import {
  useCallback,
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type MouseEvent,
  type ReactNode,
} from 'react';
import { createPortal } from 'react-dom';
import { classes } from './Button';
import { focusIfConnected } from './focusable';
import { IconButton } from './IconButton';

export type MenuEntry =
  | {
      readonly kind: 'item';
      readonly id: string;
      readonly label: string;
      readonly onSelect: () => void;
      readonly tone?: 'danger';
    }
  | {
      readonly kind: 'check';
      readonly id: string;
      readonly label: string;
      readonly checked: boolean;
      readonly onToggle: () => void;
    }
  | {
      readonly kind: 'slider';
      readonly id: string;
      readonly label: string;
      readonly value: number;
      readonly min: number;
      readonly max: number;
      readonly step: number;
      readonly format: (value: number) => string;
      readonly onChange: (value: number) => void;
    }
  | { readonly kind: 'group'; readonly id: string; readonly label: string; readonly entries: readonly MenuEntry[] }
  | { readonly kind: 'separator'; readonly id: string };

/** Where the menu opens: at the pointer (right-click) or under the element that opened it. */
export type MenuAnchor = { readonly x: number; readonly y: number } | { readonly element: HTMLElement };

/** Entries a keyboard moves between, in order, with groups flattened. */
function stops(entries: readonly MenuEntry[]): string[] {
  return entries.flatMap((entry) =>
    entry.kind === 'group' ? stops(entry.entries) : entry.kind === 'separator' ? [] : [entry.id],
  );
}

const MARGIN = 8;

/**
 * A menu (WAI-ARIA menu pattern): arrow keys move between entries and wrap, Home and End jump, Enter or Space
 * chooses, Escape and Tab close, and focus goes back to what opened it. A slider entry keeps Left and Right for its
 * value (Discord's user volume). It is drawn in a portal at the pointer or under its button, kept inside the window.
 */
export function Menu({
  label,
  entries,
  anchor,
  onClose,
}: {
  label: string;
  entries: readonly MenuEntry[];
  anchor: MenuAnchor;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const ids = stops(entries);
  const [active, setActive] = useState(ids[0] ?? '');
  const [position, setPosition] = useState<{ left: number; top: number } | null>(null);
  const opener = useRef<Element | null>('element' in anchor ? anchor.element : document.activeElement);
  const baseId = useId();
  const domId = (id: string) => `${baseId}-${id}`;

  const close = useCallback(
    (returnFocus: boolean) => {
      onClose();
      if (returnFocus) focusIfConnected(opener.current);
    },
    [onClose],
  );

  useLayoutEffect(() => {
    const menu = ref.current;
    if (menu === null) return;
    const { width, height } = menu.getBoundingClientRect();
    const base =
      'element' in anchor
        ? (() => {
            const rect = anchor.element.getBoundingClientRect();
            return { x: rect.right - width, y: rect.bottom + 4 };
          })()
        : anchor;
    const left = Math.max(MARGIN, Math.min(base.x, window.innerWidth - width - MARGIN));
    const below = base.y + height + MARGIN <= window.innerHeight;
    const top = below ? base.y : Math.max(MARGIN, base.y - height - ('element' in anchor ? 40 : 0));
    setPosition({ left, top });
  }, [anchor]);

  useEffect(() => {
    if (position === null) return;
    document.getElementById(domId(active))?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active, position]);

  useEffect(() => {
    const onPointerDown = (event: PointerEvent) => {
      if (ref.current !== null && !ref.current.contains(event.target as Node)) close(false);
    };
    const onBlurWindow = () => close(false);
    document.addEventListener('pointerdown', onPointerDown, true);
    window.addEventListener('blur', onBlurWindow);
    window.addEventListener('resize', onBlurWindow);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown, true);
      window.removeEventListener('blur', onBlurWindow);
      window.removeEventListener('resize', onBlurWindow);
    };
  }, [close]);

  function move(delta: number): void {
    if (ids.length === 0) return;
    const index = ids.indexOf(active);
    setActive(ids[(index + delta + ids.length) % ids.length] ?? active);
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>): void {
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        return move(1);
      case 'ArrowUp':
        event.preventDefault();
        return move(-1);
      case 'Home':
        event.preventDefault();
        return setActive(ids[0] ?? active);
      case 'End':
        event.preventDefault();
        return setActive(ids.at(-1) ?? active);
      case 'Escape':
        event.preventDefault();
        event.stopPropagation();
        return close(true);
      case 'Tab':
        event.preventDefault();
        return close(true);
    }
  }

  const choose = (run: () => void) => () => {
    close(true);
    run();
  };

  function render(entry: MenuEntry): ReactNode {
    const focus = { id: domId(entry.id), tabIndex: entry.id === active ? 0 : -1, onFocus: () => setActive(entry.id) };
    switch (entry.kind) {
      case 'separator':
        return <div key={entry.id} role="separator" className="menu-separator" />;
      case 'group':
        return (
          <div key={entry.id} role="group" aria-labelledby={domId(entry.id)} className="menu-group">
            <div id={domId(entry.id)} className="menu-group-label" aria-hidden="true">
              {entry.label}
            </div>
            {entry.entries.map(render)}
          </div>
        );
      case 'item':
        return (
          <button
            key={entry.id}
            type="button"
            role="menuitem"
            className={classes('menu-item', entry.tone === 'danger' && 'menu-item-danger')}
            onClick={choose(entry.onSelect)}
            {...focus}
          >
            {entry.label}
          </button>
        );
      case 'check':
        return (
          <button
            key={entry.id}
            type="button"
            role="menuitemcheckbox"
            aria-checked={entry.checked}
            className="menu-item menu-item-check"
            onClick={choose(entry.onToggle)}
            {...focus}
          >
            <span className="menu-check" aria-hidden="true" />
            {entry.label}
          </button>
        );
      case 'slider':
        return (
          <div key={entry.id} role="group" aria-label={entry.label} className="menu-slider">
            <label className="menu-slider-label" htmlFor={focus.id}>
              <span>{entry.label}</span>
              <span className="menu-slider-value">{entry.format(entry.value)}</span>
            </label>
            <input
              type="range"
              min={entry.min}
              max={entry.max}
              step={entry.step}
              value={entry.value}
              aria-valuetext={entry.format(entry.value)}
              onChange={(event) => entry.onChange(Number(event.target.value))}
              {...focus}
            />
          </div>
        );
    }
  }

  return createPortal(
    <div
      ref={ref}
      role="menu"
      aria-label={label}
      className="menu"
      data-positioned={position !== null}
      style={position === null ? { left: 0, top: 0 } : { left: position.left, top: position.top }}
      onKeyDown={onKeyDown}
      onContextMenu={(event) => event.preventDefault()}
    >
      {entries.map(render)}
    </div>,
    document.body,
  );
}

/**
 * Opens a menu from a "⋯" button and by right-click on `target`: what Discord offers on a member. Spread
 * `contextMenuProps` on the element that should answer right-click (and Shift+F10 / the context-menu key).
 */
export function useMenu() {
  const [anchor, setAnchor] = useState<MenuAnchor | null>(null);
  const close = useCallback(() => setAnchor(null), []);
  const contextMenuProps = {
    onContextMenu(event: MouseEvent<HTMLElement>) {
      event.preventDefault();
      setAnchor({ x: event.clientX, y: event.clientY });
    },
    onKeyDown(event: KeyboardEvent<HTMLElement>) {
      if (event.key === 'ContextMenu' || (event.key === 'F10' && event.shiftKey)) {
        event.preventDefault();
        setAnchor({ element: event.currentTarget });
      }
    },
  };
  return { anchor, open: setAnchor, close, contextMenuProps };
}

/** The "⋯" button that opens a menu under itself. */
export function MenuButton({
  label,
  expanded,
  onOpen,
}: {
  label: string;
  expanded: boolean;
  onOpen: (element: HTMLElement) => void;
}) {
  return (
    <IconButton
      label={label}
      icon="more"
      size="sm"
      aria-haspopup="menu"
      aria-expanded={expanded}
      onClick={(event) => onOpen(event.currentTarget)}
    />
  );
}
