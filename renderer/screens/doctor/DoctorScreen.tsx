import { useStore } from 'zustand';
import { formatDoctorReport } from '../../../shared/doctor';
import { ScreenHeading } from '../../components/ScreenHeading';
import { useStores } from '../../storesContext';
import './doctor.css';

const STATUS_LABEL = { pass: 'Passed', fail: 'Failed', skip: 'Skipped' } as const;

/**
 * Test my connection: every path a call needs (TLS with the pinned key, WSS, STUN, TURN over UDP, TCP and TLS,
 * relayed media), checked from this computer, each with what to open in a firewall when it fails.
 */
export function DoctorScreen() {
  const { doctor } = useStores();
  const running = useStore(doctor, (state) => state.running);
  const report = useStore(doctor, (state) => state.report);
  const error = useStore(doctor, (state) => state.error);

  return (
    <section className="screen doctor-screen" aria-labelledby="doctor-heading">
      <header className="screen-header">
        <ScreenHeading id="doctor-heading">Test my connection</ScreenHeading>
        <button
          type="button"
          className="button button-primary"
          disabled={running}
          onClick={() => void doctor.getState().run()}
        >
          {running ? 'Testing…' : 'Run the test'}
        </button>
      </header>
      <p className="muted">
        Checks the connection from this computer to your server the way a call uses it. Nothing is sent to anyone else;
        a failed step says what to open in a firewall.
      </p>
      <div role="alert" className="alert">
        {error?.message}
      </div>
      {report !== null && (
        <>
          <p className={report.ok ? 'doctor-summary good' : 'doctor-summary bad'} role="status">
            {report.ok ? `All checks passed for ${report.server}.` : `Some checks failed for ${report.server}.`}
          </p>
          <ol className="doctor-steps" aria-label="Connection checks">
            {report.steps.map((step) => (
              <li key={step.id} className={`doctor-step doctor-${step.status}`}>
                <span className="doctor-status">{STATUS_LABEL[step.status]}</span>
                <span className="doctor-title">{step.title}</span>
                <span className="doctor-detail">
                  {step.detail}
                  {step.ms === null ? '' : ` (${step.ms} ms)`}
                </span>
                {step.fix !== null && <span className="doctor-fix">{step.fix}</span>}
              </li>
            ))}
          </ol>
          <details>
            <summary>Copy for a support request</summary>
            <pre className="doctor-text">{formatDoctorReport(report).join('\n')}</pre>
          </details>
        </>
      )}
    </section>
  );
}
