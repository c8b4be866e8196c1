import { useEffect, useState } from 'preact/hooks';

export interface TalkControlsProps {
  enabled: boolean;
  talking: boolean;
  playing: boolean;
  level: number;
  onStart(): void;
  onStop(): void;
  onSend(text: string): boolean;
}

/** Push-to-talk (button or Space, held), the microphone level, and typed text. */
export function TalkControls(props: TalkControlsProps) {
  const { enabled, talking, onStart, onStop } = props;
  const [text, setText] = useState('');

  useEffect(() => {
    const typing = (e: KeyboardEvent) =>
      e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
    const down = (e: KeyboardEvent) => {
      if (e.code !== 'Space' || typing(e)) return;
      e.preventDefault();
      if (!e.repeat) onStart();
    };
    const up = (e: KeyboardEvent) => {
      if (e.code !== 'Space' || typing(e)) return;
      e.preventDefault();
      onStop();
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    window.addEventListener('blur', onStop);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
      window.removeEventListener('blur', onStop);
    };
  }, [onStart, onStop]);

  const submit = (e: Event) => {
    e.preventDefault();
    const trimmed = text.trim();
    if (trimmed && props.onSend(trimmed)) setText('');
  };

  return (
    <section class="controls">
      <button
        type="button"
        class={`talk ${talking ? 'on' : ''}`}
        data-testid="talk"
        disabled={!enabled}
        onPointerDown={onStart}
        onPointerUp={onStop}
        onPointerLeave={() => talking && onStop()}
      >
        {talking ? 'Listening… release to send' : 'Hold to talk (or hold Space)'}
      </button>
      <div class="meter" title="microphone level" data-testid="level-meter">
        <div class="meter-fill" style={{ width: `${Math.round(Math.min(1, props.level) * 100)}%` }} />
      </div>
      <span class="playing">{props.playing ? '● model speaking' : ''}</span>
      <form class="typed" onSubmit={submit}>
        <input
          data-testid="text-input"
          value={text}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
          placeholder={enabled ? 'or type a message' : 'not connected'}
          disabled={!enabled}
          autocomplete="off"
        />
        <button type="submit" data-testid="send" disabled={!enabled || !text.trim()}>
          Send
        </button>
      </form>
    </section>
  );
}
