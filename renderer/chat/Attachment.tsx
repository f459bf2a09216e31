import { useEffect, useState } from 'react';
import { PREVIEWABLE_IMAGE_TYPES, type FileSummary } from '../../shared/chat';
import { useStores } from '../storesContext';

/** Images larger than this are offered for saving, not previewed. */
const PREVIEW_MAX_BYTES = 8 * 1024 * 1024;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * An image decoded from bytes the app fetched through main, shown from a blob: URL it made itself (the CSP allows
 * images from blob: and the app only). The browser never fetches an image from a URL a message chose.
 */
function ImagePreview({ file }: { file: FileSummary }) {
  const { chat } = useStores();
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    let made: string | null = null;
    void chat
      .getState()
      .fileBytes(file, PREVIEW_MAX_BYTES)
      .then((result) => {
        if (!live) return;
        if (!result.ok) return setFailed(true);
        made = URL.createObjectURL(new Blob([result.value as Uint8Array<ArrayBuffer>], { type: file.contentType }));
        setUrl(made);
      });
    return () => {
      live = false;
      if (made !== null) URL.revokeObjectURL(made);
    };
  }, [chat, file]);
  if (failed) return <p className="muted small">Preview unavailable.</p>;
  if (url === null)
    return <div className="attachment-preview attachment-preview-loading" aria-label="Loading preview" />;
  return <img className="attachment-preview" src={url} alt={file.name} data-file-id={file.id} />;
}

/** A file a message carries: name, size, Save, Remove (uploader or moderator), and a preview for images. */
export function Attachment({ file, canRemove }: { file: FileSummary; canRemove: boolean }) {
  const { chat } = useStores();
  const previewable = PREVIEWABLE_IMAGE_TYPES.includes(file.contentType) && file.size <= PREVIEW_MAX_BYTES;
  return (
    <figure className="attachment" data-file-id={file.id}>
      {previewable && <ImagePreview file={file} />}
      <figcaption className="attachment-caption">
        <span className="attachment-name" dir="auto">
          {file.name}
        </span>
        <span className="muted small"> · {formatBytes(file.size)}</span>
        <button type="button" className="button button-small" onClick={() => void chat.getState().saveFile(file)}>
          Save {file.name}
        </button>
        {canRemove && (
          <button
            type="button"
            className="button button-small button-danger"
            onClick={() => void chat.getState().removeFile(file.id)}
          >
            Remove {file.name}
          </button>
        )}
      </figcaption>
    </figure>
  );
}
