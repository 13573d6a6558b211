export { LoginRoute } from './routes/login-route';
export { RequireAuth } from './components/require-auth';
