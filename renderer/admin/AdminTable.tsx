import type { FormEvent, ReactNode } from 'react';

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
}) {
  const { caption, columns, rows, rowKey, actions, rowClassName } = props;
  return (
    <table className="admin-table" {...(props.label ? { 'aria-label': props.label } : {})}>
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
  );
}

/** The form above a list that creates one more item; `onCreate` runs on submit, without a page navigation. */
export function AdminCreateForm(props: {
  readonly submitLabel: string;
  readonly onCreate: () => void;
  readonly children: ReactNode;
}) {
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onCreate();
  };
  return (
    <form className="admin-form" onSubmit={submit}>
      {props.children}
      <button type="submit" className="button button-primary">
        {props.submitLabel}
      </button>
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
    <button
      type="button"
      className="button"
      {...(props.label ? { 'aria-label': props.label } : {})}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}
