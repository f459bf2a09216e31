import { useEffect, useState } from 'react';
import { PREVIEWABLE_IMAGE_TYPES, type FileContentType, type FileSummary } from '../../shared/chat';
import { Button } from '../components/Button';
import { Dialog } from '../components/Dialog';
import { Icon, type IconName } from '../components/Icon';
import { IconButton } from '../components/IconButton';
import { useStores } from '../storesContext';

/** Images larger than this are offered for saving, not previewed. */
const PREVIEW_MAX_BYTES = 8 * 1024 * 1024;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** What a file is, for its card: an icon and a word (the type the server found in its bytes, not its name). */
const KINDS: Record<FileContentType, { readonly icon: IconName; readonly word: string }> = {
  'image/png': { icon: 'image', word: 'PNG image' },
  'image/jpeg': { icon: 'image', word: 'JPEG image' },
  'image/gif': { icon: 'image', word: 'GIF image' },
  'image/webp': { icon: 'image', word: 'WebP image' },
  'application/pdf': { icon: 'file', word: 'PDF document' },
  'application/zip': { icon: 'fileArchive', word: 'ZIP archive' },
  'text/plain; charset=utf-8': { icon: 'fileText', word: 'Text file' },
  'application/octet-stream': { icon: 'file', word: 'File' },
};

/** A preview's bytes as a blob: URL the page made itself (the CSP allows images from blob: and the app only). */
function usePreviewUrl(file: FileSummary): { url: string | null; failed: boolean } {
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
  return { url, failed };
}

/**
 * An image decoded from bytes the app fetched through main: the browser never fetches an image from a URL a message
 * chose. Bounded in the pane (aspect kept); a click opens it full size in a dialog.
 */
function ImagePreview({ file, onOpen }: { file: FileSummary; onOpen: (url: string) => void }) {
  const { url, failed } = usePreviewUrl(file);
  if (failed) return null;
  if (url === null)
    return <div className="attachment-preview attachment-preview-loading" aria-label="Loading preview" />;
  return (
    <button type="button" className="attachment-preview-button" onClick={() => onOpen(url)}>
      <img className="attachment-preview" src={url} alt={file.name} data-file-id={file.id} />
      <span className="visually-hidden">View {file.name} full size</span>
    </button>
  );
}

/**
 * A file a message carries, as a card: what kind it is, its name and size, Save and (its uploader or a moderator)
 * Remove, which holds the removal back under an Undo. An image shows above its card as a bounded preview.
 */
export function Attachment({
  file,
  canRemove,
  onRemove,
}: {
  file: FileSummary;
  canRemove: boolean;
  onRemove: () => void;
}) {
  const { chat } = useStores();
  const [fullSize, setFullSize] = useState<string | null>(null);
  const previewable = PREVIEWABLE_IMAGE_TYPES.includes(file.contentType) && file.size <= PREVIEW_MAX_BYTES;
  const kind = KINDS[file.contentType];
  const save = () => void chat.getState().saveFile(file);
  return (
    <figure className="attachment" data-file-id={file.id}>
      {previewable && <ImagePreview file={file} onOpen={setFullSize} />}
      {/* Under a preview the card shrinks to a caption: the image already says what it is. */}
      <figcaption className={previewable ? 'file-card file-card-compact' : 'file-card'}>
        {!previewable && <Icon name={kind.icon} size={28} className="file-card-icon" />}
        <span className="file-card-text">
          <span className="file-card-name" dir="auto" title={file.name}>
            {file.name}
          </span>
          <span className="file-card-meta">
            {kind.word} · {formatBytes(file.size)}
          </span>
        </span>
        <IconButton label={`Save ${file.name}`} icon="download" size="sm" onClick={save} />
        {canRemove && (
          <IconButton label={`Remove ${file.name}`} icon="trash" size="sm" tone="danger" onClick={onRemove} />
        )}
      </figcaption>
      <Dialog
        open={fullSize !== null}
        size="lg"
        title={file.name}
        onClose={() => setFullSize(null)}
        footer={<Button onClick={save}>Save</Button>}
      >
        {fullSize !== null && <img className="attachment-full" src={fullSize} alt={file.name} />}
      </Dialog>
    </figure>
  );
}
