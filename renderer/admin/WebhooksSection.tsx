import { useState } from 'react';
import { useStore } from 'zustand';
import { webhookEventTypes, type WebhookEventType } from '../../shared/webhookEvents';
import { useStores } from '../storesContext';
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
    <table className="admin-table" aria-label="Delivery history">
      <caption>Deliveries to {webhook?.url ?? 'this webhook'}</caption>
      <thead>
        <tr>
          <th scope="col">Event</th>
          <th scope="col">Status</th>
          <th scope="col">Attempts</th>
          <th scope="col">History</th>
          <th scope="col">Next attempt</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {deliveries.list.map((delivery) => (
          <tr key={delivery.eventId} className={`delivery-${delivery.status}`}>
            <td title={delivery.eventId}>
              {delivery.eventType} <span className="muted small">{shortId(delivery.eventId)}</span>
            </td>
            <td>{delivery.status}</td>
            <td>
              {delivery.attempts} of {delivery.maxAttempts}
            </td>
            <td>
              <ol className="attempts">
                {delivery.history.map((attempt) => (
                  <li key={attempt.attempt}>
                    {when(attempt.startedAt)} {OUTCOME_LABEL[attempt.outcome]}
                    {attempt.statusCode === null ? '' : ` ${attempt.statusCode}`}
                    {attempt.error === null ? '' : ` (${attempt.error})`}
                  </li>
                ))}
              </ol>
            </td>
            <td>{when(delivery.nextAttemptAt)}</td>
            <td>
              {delivery.status !== 'in_flight' && (
                <button
                  type="button"
                  className="button"
                  onClick={() => void admin.getState().redeliver(deliveries.webhookId, delivery.eventId)}
                >
                  Redeliver
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
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
  return (
    <>
      <form
        className="admin-form"
        onSubmit={(event) => {
          event.preventDefault();
          void admin.getState().createWebhook(url.trim(), events, description.trim());
        }}
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
        <button type="submit" className="button button-primary">
          Add webhook
        </button>
      </form>
      <table className="admin-table">
        <caption>Webhooks</caption>
        <thead>
          <tr>
            <th scope="col">URL</th>
            <th scope="col">Events</th>
            <th scope="col">Enabled</th>
            <th scope="col">Secrets</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {webhooks.map((webhook) => (
            <tr key={webhook.id}>
              <td>
                {webhook.url}
                {webhook.description !== '' && <div className="muted small">{webhook.description}</div>}
              </td>
              <td>{webhook.events.join(', ')}</td>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Deliver to ${webhook.url}`}
                  checked={webhook.enabled}
                  onChange={() => void admin.getState().setWebhookEnabled(webhook.id, !webhook.enabled)}
                />
              </td>
              <td>
                {webhook.secrets.length}
                {webhook.secrets.length > 1 ? ' (rotating)' : ''}
              </td>
              <td className="actions">
                <button
                  type="button"
                  className="button"
                  onClick={() => void admin.getState().showDeliveries(webhook.id)}
                >
                  Deliveries
                </button>
                <button
                  type="button"
                  className="button"
                  onClick={() => void admin.getState().rotateWebhookSecret(webhook.id)}
                >
                  Rotate secret
                </button>
                <button
                  type="button"
                  className="button"
                  onClick={() => void admin.getState().deleteWebhook(webhook.id)}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <DeliveryHistory />
    </>
  );
}
