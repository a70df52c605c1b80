// The live video: native HLS where the browser has it (Safari, iOS), else hls.js over Media Source
// Extensions, loaded only when needed. A stream that cannot play leaves a message, never a broken page.
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../lib/i18n.ts';

export function Player({ src, active, title }: { src: string; active: boolean; title: string }) {
  const video = useRef<HTMLVideoElement>(null);
  const [problem, setProblem] = useState<'unsupported' | 'error' | null>(null);
  useEffect(() => {
    const el = video.current;
    if (!el || !active) return;
    setProblem(null);
    let destroyed = false;
    let hls: { destroy(): void } | null = null;
    const onError = () => setProblem('error');
    el.addEventListener('error', onError);
    if (el.canPlayType('application/vnd.apple.mpegurl')) {
      el.src = src;
    } else {
      import('hls.js').then(({ default: Hls }) => {
        if (destroyed) return;
        if (!Hls.isSupported()) return setProblem('unsupported');
        // No worker: the page's Content-Security-Policy allows no blob: workers.
        const h = new Hls({ enableWorker: false, lowLatencyMode: true });
        hls = h;
        h.on(Hls.Events.ERROR, (_e, data) => {
          if (data.fatal) setProblem('error');
        });
        h.loadSource(src);
        h.attachMedia(el);
      }, () => setProblem('unsupported'));
    }
    return () => {
      destroyed = true;
      el.removeEventListener('error', onError);
      hls?.destroy();
      el.removeAttribute('src');
      el.load();
    };
  }, [src, active]);
  return (
    <div class="live-player">
      <video ref={video} controls playsInline muted autoPlay aria-label={t('live.player') + ': ' + title} data-testid="live-video" />
      {!active && <p class="live-player-note">{t('live.player.waiting')}</p>}
      {active && problem && <p class="live-player-note" role="status">{t(`live.player.${problem}`)}</p>}
    </div>
  );
}
