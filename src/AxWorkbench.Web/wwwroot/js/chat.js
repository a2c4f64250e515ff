// Chat composer keys. Enter sends, Shift+Enter is a newline, and Enter never sends while an IME composition
// (Korean, Japanese, Chinese) is in progress: then Enter only confirms the syllable. Blazor's own keydown
// handler decides to send with the same rule; this module keeps the newline out of the box when it sends, and
// hides composition keydowns (keyCode 229: Safari reports them with isComposing false) from Blazor entirely.
export function attachComposer(textarea) {
    const onKeyDown = (event) => {
        if (event.isComposing || event.keyCode === 229) {
            event.stopImmediatePropagation();
            event.stopPropagation();
            return;
        }
        if (event.key === 'Enter' && !event.shiftKey) {
            event.preventDefault();
        }
    };
    textarea.addEventListener('keydown', onKeyDown);
    return { dispose: () => textarea.removeEventListener('keydown', onKeyDown) };
}

export async function copyText(text) {
    try {
        await navigator.clipboard.writeText(text);
        return true;
    } catch {
        return false;
    }
}

export function scrollToEnd(element) {
    if (element) {
        element.scrollTop = element.scrollHeight;
    }
}
