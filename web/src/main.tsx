import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { ErrorBoundary, RenderError } from './components/error-boundary.tsx';
import './styles.css';

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    {/* The last resort; each page has its own boundary inside the shell (app.tsx). */}
    <ErrorBoundary fallback={(error) => <RenderError error={error} onRetry={() => location.reload()} />}>
      <App />
    </ErrorBoundary>
  </StrictMode>,
);
