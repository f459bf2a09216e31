import { useRef, useState } from 'react';
import { useStore } from 'zustand';
import { webhookEventTypes, type WebhookEventType } from '../../shared/webhookEvents';
import { useConfirm } from '../components/useConfirm';
import { useStores } from '../storesContext';
import { AdminCreateForm, AdminTable, RowAction } from './AdminTable';
import { shortId, when } from './format';

const OUTCOME_LABEL = {
  in_flight: 'sending',
  succeeded: 'delivered',
  http_error: 'error answer',
  timeout: 'timed out',
  network_error: 'network error',
  refused_address: 'refused address',
  interrupted: 'interrupted',
} as const;

function DeliveryHistory() {
  const { admin } = useStores();
  const deliveries = useStore(admin, (state) => state.deliveries);
  const webhooks = useStore(admin, (state) => state.webhooks);
  if (deliveries === null) return null;
  const webhook = webhooks.find((w) => w.id === deliveries.webhookId);
  return (
    <AdminTable
      caption={`Deliveries to ${webhook?.url ?? 'this webhook'}`}
      label="Delivery history"
      rows={deliveries.list}
      rowKey={(delivery) => delivery.eventId}
      rowClassName={(delivery) => `delivery-${delivery.status}`}
      columns={[
        {
          header: 'Event',
          title: (delivery) => delivery.eventId,
          cell: (delivery) => (
            <>
              {delivery.eventType} <span className="muted small">{shortId(delivery.eventId)}</span>
            </>
          ),
        },
        { header: 'Status', cell: (delivery) => delivery.status },
        { header: 'Attempts', cell: (delivery) => `${delivery.attempts} of ${delivery.maxAttempts}` },
        {
          header: 'History',
          cell: (delivery) => (
            <ol className="attempts">
              {delivery.history.map((attempt) => (
                <li key={attempt.attempt}>
                  {when(attempt.startedAt)} {OUTCOME_LABEL[attempt.outcome]}
                  {attempt.statusCode === null ? '' : ` ${attempt.statusCode}`}
                  {attempt.error === null ? '' : ` (${attempt.error})`}
                </li>
              ))}
            </ol>
          ),
        },
        { header: 'Next attempt', cell: (delivery) => when(delivery.nextAttemptAt) },
      ]}
      actions={(delivery) =>
        delivery.status !== 'in_flight' && (
          <RowAction onClick={() => void admin.getState().redeliver(deliveries.webhookId, delivery.eventId)}>
            Redeliver
          </RowAction>
        )
      }
    />
  );
}

export function WebhooksSection() {
  const { admin } = useStores();
  const webhooks = useStore(admin, (state) => state.webhooks);
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<readonly WebhookEventType[]>(['channel.created']);
  const toggle = (type: WebhookEventType) =>
    setEvents((current) => (current.includes(type) ? current.filter((t) => t !== type) : [...current, type]));
  const table = useRef<HTMLTableElement>(null);
  const { ask, dialog } = useConfirm(table);
  return (
    <>
      <AdminCreateForm
        label="New webhook"
        submitLabel="Add webhook"
        onCreate={() => void admin.getState().createWebhook(url.trim(), events, description.trim())}
      >
        <label>
          Endpoint URL
          <input type="url" value={url} placeholder="https://" onChange={(event) => setUrl(event.target.value)} />
        </label>
        <label>
          Description
          <input value={description} maxLength={200} onChange={(event) => setDescription(event.target.value)} />
        </label>
        <fieldset>
          <legend>Events</legend>
          {webhookEventTypes.map((type) => (
            <label key={type} className="checkbox">
              <input type="checkbox" checked={events.includes(type)} onChange={() => toggle(type)} />
              {type}
            </label>
          ))}
        </fieldset>
      </AdminCreateForm>
      <AdminTable
        caption="Webhooks"
        tableRef={table}
        rows={webhooks}
        rowKey={(webhook) => webhook.id}
        columns={[
          {
            header: 'URL',
            cell: (webhook) => (
              <>
                {webhook.url}
                {webhook.description !== '' && <div className="muted small">{webhook.description}</div>}
              </>
            ),
          },
          { header: 'Events', cell: (webhook) => webhook.events.join(', ') },
          {
            header: 'Enabled',
            cell: (webhook) => (
              <input
                type="checkbox"
                aria-label={`Deliver to ${webhook.url}`}
                checked={webhook.enabled}
                onChange={() => void admin.getState().setWebhookEnabled(webhook.id, !webhook.enabled)}
              />
            ),
          },
          {
            header: 'Secrets',
            cell: (webhook) => `${webhook.secrets.length}${webhook.secrets.length > 1 ? ' (rotating)' : ''}`,
          },
        ]}
        actions={(webhook) => (
          <>
            <RowAction onClick={() => void admin.getState().showDeliveries(webhook.id)}>Deliveries</RowAction>
            <RowAction onClick={() => void admin.getState().rotateWebhookSecret(webhook.id)}>Rotate secret</RowAction>
            <RowAction
              label={`Delete webhook ${webhook.url}`}
              onClick={() =>
                ask({
                  title: `Delete the webhook to ${webhook.url}?`,
                  consequence:
                    'No more events are sent there, deliveries still waiting are dropped, and its signing secrets stop being valid. This cannot be undone.',
                  confirmLabel: 'Delete webhook',
                  onConfirm: () => admin.getState().deleteWebhook(webhook.id),
                })
              }
            >
              Delete
            </RowAction>
          </>
        )}
      />
      {dialog}
      <DeliveryHistory />
    </>
  );
}
