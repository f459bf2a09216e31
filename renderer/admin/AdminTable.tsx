import type { FormEvent, ReactNode, Ref } from 'react';
import { Button } from '../components/Button';

export interface AdminColumn<Row> {
  readonly header: string;
  readonly cell: (row: Row) => ReactNode;
  /** A cell attribute some columns need (e.g. the full id behind a shortened one). */
  readonly title?: (row: Row) => string;
}

/**
 * A list in the admin console: a captioned table (its accessible name), one row per item and, when `actions` is
 * given, a last column of buttons for that row under a heading only screen readers see.
 */
export function AdminTable<Row>(props: {
  readonly caption: ReactNode;
  /** An accessible name other than the caption, for a table whose caption changes with what it shows. */
  readonly label?: string;
  readonly columns: readonly AdminColumn<Row>[];
  readonly rows: readonly Row[];
  readonly rowKey: (row: Row) => string | number;
  readonly actions?: (row: Row) => ReactNode;
  readonly rowClassName?: (row: Row) => string;
  /** Said in the table when it has no rows, instead of an empty grid. */
  readonly empty?: string;
  /** Where focus goes when a confirmed removal took the row whose button was focused (it is focusable by script). */
  readonly tableRef?: Ref<HTMLTableElement>;
}) {
  const { caption, columns, rows, rowKey, actions, rowClassName } = props;
  return (
    <div className="admin-table-frame">
      <table
        className="admin-table"
        {...(props.label ? { 'aria-label': props.label } : {})}
        {...(props.tableRef ? { ref: props.tableRef, tabIndex: -1 } : {})}
      >
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.header} scope="col">
                {column.header}
              </th>
            ))}
            {actions && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && props.empty !== undefined && (
            <tr>
              <td className="admin-table-empty muted" colSpan={columns.length + (actions ? 1 : 0)}>
                {props.empty}
              </td>
            </tr>
          )}
          {rows.map((row) => (
            <tr key={rowKey(row)} {...(rowClassName ? { className: rowClassName(row) } : {})}>
              {columns.map((column) => (
                <td key={column.header} {...(column.title ? { title: column.title(row) } : {})}>
                  {column.cell(row)}
                </td>
              ))}
              {actions && (
                <td>
                  <div className="actions">{actions(row)}</div>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The form above a list that creates one more item; `onCreate` runs on submit, without a page navigation. */
export function AdminCreateForm(props: {
  readonly submitLabel: string;
  readonly onCreate: () => void;
  readonly children: ReactNode;
  /** Names the form for screen readers ("New invite"). */
  readonly label?: string;
}) {
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onCreate();
  };
  return (
    <form className="admin-form" onSubmit={submit} {...(props.label ? { 'aria-label': props.label } : {})}>
      {props.children}
      <Button type="submit" variant="primary">
        {props.submitLabel}
      </Button>
    </form>
  );
}

/** A button in a row's action cell. */
export function RowAction(props: {
  readonly label?: string;
  readonly onClick: () => void;
  readonly children: ReactNode;
}) {
  return (
    <Button size="sm" {...(props.label ? { 'aria-label': props.label } : {})} onClick={props.onClick}>
      {props.children}
    </Button>
  );
}
